package inspector

import (
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/durablegen/durable"
	"github.com/durablegen/durable/runtime"
)

// Options configures the [Handler]. The zero value serves every page and
// action at the root of the handler's server.
type Options struct {
	// Prefix is the path the handler is mounted at, such as "/durable":
	// it serves requests under it and writes its links with it. Mount
	// the handler for the prefix and its subtree:
	//
	//	mux.Handle("/durable/", inspector.Handler(store, inspector.Options{Prefix: "/durable"}))
	Prefix string

	// ReadOnly serves the pages without any action: no forms are shown
	// and every POST is refused.
	ReadOnly bool
	// DisableSignal, DisableCancel and DisableRetry switch off one kind
	// of action each (DisableCancel both forms of cancel).
	DisableSignal bool
	DisableCancel bool
	DisableRetry  bool

	// Workflows are descriptors of the workflows the store runs, as
	// registered with the workers. Their generated code, found through
	// the binary, gives the checkpoint sites an instance's page shows in
	// its source.
	Workflows []durable.Definition
	// SourceDirs are directories searched (recursively, skipping
	// testdata, vendor and hidden directories) for generated
	// *_durable.go files, for workflows not among Workflows or built
	// elsewhere.
	SourceDirs []string

	// Refresh is how often the pages refresh themselves while not paused:
	// 0 means 5 seconds, a negative value never.
	Refresh time.Duration
	// PageSize is the number of instances a page of the list holds, and
	// of checkpoints a page of an instance's timeline: 0 means 50.
	PageSize int

	// TrustedOrigins are origins ("https://ops.example.com") allowed to
	// send actions besides the handler's own, as for
	// [http.CrossOriginProtection.AddTrustedOrigin].
	TrustedOrigins []string
	// Logger receives the errors of failed pages and actions; nil
	// discards them.
	Logger *slog.Logger
	// Now is the clock relative times are shown against; nil is
	// time.Now.
	Now func() time.Time
}

// maxPageSize bounds Options.PageSize and the limit a list request asks
// for.
const maxPageSize = 500

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// inspector is the state of one Handler.
type inspector struct {
	opts    Options
	prefix  string
	store   runtime.Store
	client  *runtime.Client
	code    *codeIndex
	log     *slog.Logger
	pages   map[string]*template.Template
	refresh time.Duration
	size    int
}

// Handler returns an http.Handler serving the web inspector of store:
// a list of its instances, a page per instance, and the actions opts
// leaves on. It has no login of its own: wrap it with the server's
// authentication (see the package documentation). The store must
// implement [runtime.Admin] for the list and an instance's children; a
// store wrapped by runtime/encrypt shows sealed values in plain text.
//
// Handler panics if opts.Prefix or opts.TrustedOrigins is malformed, as
// http.ServeMux does for a bad pattern: both are fixed by the program.
func Handler(store runtime.Store, opts Options) http.Handler {
	h, err := newInspector(store, opts)
	if err != nil {
		panic("inspector: " + err.Error())
	}
	return h.routes()
}

func newInspector(store runtime.Store, opts Options) (*inspector, error) {
	prefix := strings.TrimRight(opts.Prefix, "/")
	if prefix != "" && !strings.HasPrefix(prefix, "/") {
		return nil, fmt.Errorf("prefix %q must start with /", opts.Prefix)
	}
	if strings.ContainsAny(prefix, "?#{} \t\n") {
		return nil, fmt.Errorf("prefix %q must be a plain path", opts.Prefix)
	}
	h := &inspector{
		opts:    opts,
		prefix:  prefix,
		store:   store,
		client:  runtime.NewClient(store),
		code:    newCodeIndex(opts.Workflows, opts.SourceDirs),
		log:     opts.Logger,
		refresh: opts.Refresh,
		size:    opts.PageSize,
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.refresh == 0 {
		h.refresh = 5 * time.Second
	}
	if h.size <= 0 {
		h.size = 50
	}
	h.size = min(h.size, maxPageSize)
	pages, err := parsePages(h.funcs())
	if err != nil {
		return nil, err
	}
	h.pages = pages
	return h, nil
}

func (h *inspector) now() time.Time {
	if h.opts.Now != nil {
		return h.opts.Now()
	}
	return time.Now()
}

// routes returns the handler: pages, static files and actions under the
// prefix, the actions behind cross-origin protection.
func (h *inspector) routes() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", cacheable(http.FileServerFS(static))))
	mux.HandleFunc("GET /{$}", h.serveList)
	mux.HandleFunc("GET /instance", h.serveInstance)
	for _, a := range actions {
		mux.HandleFunc("POST /"+a.path, h.action(a))
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		h.fail(w, r, http.StatusNotFound, errors.New("no such page"))
	})

	cop := http.NewCrossOriginProtection()
	for _, o := range h.opts.TrustedOrigins {
		if err := cop.AddTrustedOrigin(o); err != nil {
			panic("inspector: trusted origin: " + err.Error())
		}
	}
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.fail(w, r, http.StatusForbidden, errors.New("cross-origin request refused: actions are only accepted from the inspector's own pages"))
	}))
	protected := cop.Handler(mux)

	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rest, ok := strings.CutPrefix(r.URL.Path, h.prefix)
		if !ok || (rest != "" && !strings.HasPrefix(rest, "/")) {
			http.NotFound(w, r)
			return
		}
		if rest == "" {
			http.Redirect(w, r, h.prefix+"/", http.StatusMovedPermanently)
			return
		}
		security(w.Header())
		r2 := r.Clone(r.Context())
		r2.URL.Path = rest
		r2.URL.RawPath = ""
		protected.ServeHTTP(w, r2)
	})
}

// security sets the headers every response carries: no framing (the
// actions are buttons), no inline script, no sniffing.
func security(hd http.Header) {
	hd.Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "same-origin")
}

func cacheable(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=300")
		h.ServeHTTP(w, r)
	})
}

// url returns the path of a page of the inspector.
func (h *inspector) url(path string) string { return h.prefix + path }

// errorPage is the data of the error page.
type errorPage struct {
	page
	Status  int
	Message string
}

// fail writes an error page.
func (h *inspector) fail(w http.ResponseWriter, r *http.Request, status int, err error) {
	if status >= 500 {
		h.log.Error("inspector", "path", r.URL.Path, "err", err)
	}
	h.render(w, status, "error", errorPage{page: h.basePage("Error", false), Status: status, Message: err.Error()})
}

// render executes a page template.
func (h *inspector) render(w http.ResponseWriter, status int, name string, data any) {
	var b strings.Builder
	if err := h.pages[name].ExecuteTemplate(&b, "base", data); err != nil {
		h.log.Error("inspector: render", "page", name, "err", err)
		http.Error(w, "inspector: cannot render the page: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	fmt.Fprint(w, b.String())
}

// page is what every page's template reads.
type page struct {
	Title    string
	Prefix   string
	Refresh  int // milliseconds; 0: no auto-refresh
	ReadOnly bool
}

func (h *inspector) basePage(title string, live bool) page {
	p := page{Title: title, Prefix: h.prefix, ReadOnly: h.opts.ReadOnly}
	if live && h.refresh > 0 {
		p.Refresh = int(h.refresh / time.Millisecond)
	}
	return p
}

func parsePages(funcs template.FuncMap) (map[string]*template.Template, error) {
	pages := map[string]*template.Template{}
	for _, name := range []string{"list", "instance", "error"} {
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/base.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("templates: %w", err)
		}
		pages[name] = t
	}
	return pages, nil
}
