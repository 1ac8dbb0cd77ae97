// Package inspector serves a web inspector of a durable store: the
// instances in pages, each instance with its workflow's source at the
// checkpoint it waits at, its live variables, the timeline of its
// checkpoints, its children and compensations, and actions to signal,
// cancel and retry it.
//
// # Mounting
//
// [Handler] returns an [net/http.Handler] to mount in the program's own
// server, under a path prefix:
//
//	store, err := sqlite.Open("durable.db")
//	ui := inspector.Handler(store, inspector.Options{
//		Prefix:    "/durable",
//		Workflows: []durable.Definition{payments.TransferWorkflow},
//	})
//	mux.Handle("/durable/", requireOperator(ui)) // the program's authentication
//
// The command `durable ui -addr 127.0.0.1:8080` serves the same pages for
// any store the durable command opens.
//
// # Authentication
//
// The inspector has no login of its own: whoever reaches it can read
// every instance's variables and, unless it is read-only, signal, cancel
// and retry instances. Wrap it with the authentication and authorization
// middleware the server already uses, and give read-only users a second
// handler with [Options].ReadOnly set:
//
//	func requireOperator(next http.Handler) http.Handler {
//		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
//			if !isOperator(r) { // the program's own login check (cookie, SSO)
//				http.Error(w, "forbidden", http.StatusForbidden)
//				return
//			}
//			next.ServeHTTP(w, r)
//		})
//	}
//
// # Actions
//
// Actions are forms that POST to the handler; every other request only
// reads. POSTs go through [net/http.CrossOriginProtection], so a page of
// another site cannot make a signed-in operator's browser send them
// (origins of the operator's own other tools can be trusted with
// [Options].TrustedOrigins). [Options].ReadOnly removes all actions, and
// DisableSignal, DisableCancel and DisableRetry one kind each; a refused
// action answers 403. Pages are served with a Content-Security-Policy
// that forbids framing and scripts from elsewhere.
//
// # Source and checkpoints
//
// An instance's page shows the function of its workflow with the line of
// the checkpoint it waits at (or resumes at, or committed last)
// highlighted. The checkpoint sites are read from the workflow's
// generated *_durable.go file, which the inspector parses (it never runs
// it): the file a descriptor in [Options].Workflows was compiled from,
// when it is still on disk, or one found under [Options].SourceDirs. The
// source file is read next to it; where it cannot be read, the page
// shows the checkpoint's file:line.
//
// # Sealed stores
//
// For a store written through runtime/encrypt, pass the wrapped store
// (encrypt.Wrap with the workers' keyring) to show frames, outputs,
// errors and signal payloads in plain text. Given the inner store, or a
// keyring without the key, the inspector shows those values as sealed,
// naming the key; instance IDs, names, statuses and times stay readable.
//
// # Cost
//
// The list reads one page of the store's keyset listing
// ([runtime.Admin].List) per request and never counts the instances;
// the version filter, which the stores do not index, reads at most 20
// store pages per page shown. An instance's page reads its row, its
// history and up to 200 descendants.
package inspector
