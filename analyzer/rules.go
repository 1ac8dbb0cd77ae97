package analyzer

// Rule IDs: the Category of every diagnostic.
const (
	ruleIgnore    = "DG000" // a //durable:ignore directive without reason, or unused
	ruleClock     = "DG001"
	ruleTimers    = "DG002"
	ruleRandom    = "DG003"
	ruleEnv       = "DG004"
	ruleIO        = "DG005"
	ruleGo        = "DG006"
	ruleChan      = "DG007"
	ruleSync      = "DG008"
	ruleMapOrder  = "DG009"
	ruleGlobal    = "DG011"
	ruleState     = "DG012"
	ruleAlias     = "DG013"
	ruleLimits    = "DG014" // reported here only for helpers (see helpers.go)
	ruleSignature = "DG015"
	ruleMisuse    = "DG016"
	ruleIdentity  = "DG017"
)

// knownRules are the IDs a //durable:ignore may name. DG010 is the guard
// of DG009 (never reported), DG014 belongs to the code generator's support
// check (the analyzer reports only its limits on helpers) and DG018 is
// reserved; naming them is valid, and such directives are never reported
// as silencing nothing.
var knownRules = map[string]bool{
	ruleClock: true, ruleTimers: true, ruleRandom: true, ruleEnv: true, ruleIO: true,
	ruleGo: true, ruleChan: true, ruleSync: true, ruleMapOrder: true, "DG010": true,
	ruleGlobal: true, ruleState: true, ruleAlias: true, ruleLimits: true,
	ruleSignature: true, ruleMisuse: true, ruleIdentity: true, "DG018": true,
}

// foreignRules are valid IDs that belong to other tools: this analyzer
// never reports them, or (DG014) only a few of the cases.
var foreignRules = map[string]bool{"DG010": true, ruleLimits: true, "DG018": true}

// transitiveStd are the rules followed into the standard library: only
// effects on the outside world. Internal locks, caches and goroutines of
// the standard library do not make its results depend on a resume.
var transitiveStd = map[string]bool{
	ruleClock: true, ruleTimers: true, ruleRandom: true, ruleEnv: true, ruleIO: true,
}

// transitiveUser are the rules followed into non-step functions outside
// the standard library.
var transitiveUser = map[string]bool{
	ruleClock: true, ruleTimers: true, ruleRandom: true, ruleEnv: true, ruleIO: true,
	ruleGo: true, ruleMapOrder: true, ruleGlobal: true, ruleIdentity: true,
}
