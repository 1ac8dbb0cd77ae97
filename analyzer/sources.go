package analyzer

import (
	"go/token"
	"go/types"
	"strings"
)

// A source is a library function or variable whose result or effect
// differs between the first run of workflow code and its re-execution
// after a resume.
type source struct {
	rule string
	what string // completes "time.Now in workflow code ..."
	fix  string // what to do instead
}

// Reasons shared by many entries.
var (
	srcClock   = source{ruleClock, "returns a different value on resume", "use durable.Now(ctx)"}
	srcTimer   = source{ruleTimers, "waits on the wall clock, which does not survive a resume", "use durable.Sleep(ctx, d) or durable.SleepUntil(ctx, t)"}
	srcContext = source{ruleTimers, "sets a wall-clock deadline that restarts on resume", "bound the work with a step timeout (//durable:step timeout=...) or a durable timer"}
	srcRandom  = source{ruleRandom, "returns different values on resume", "use durable.Random(ctx) (or durable.UUID(ctx))"}
	srcUUID    = source{ruleRandom, "returns a different UUID on resume", "use durable.UUID(ctx)"}
	srcEnv     = source{ruleEnv, "reads the process environment, which differs between workers", "pass the value in the workflow input, or read it in a step"}
	srcIO      = source{ruleIO, "performs I/O that is repeated on resume and not checkpointed", "move it into a step"}
	srcPrint   = source{ruleIO, "writes output again on every resume", "write output from a step"}
	srcDB      = source{ruleIO, "talks to a database outside a step", "move it into a step"}
	srcHTTP    = source{ruleIO, "sends a network request outside a step", "move it into a step"}
)

// funcSources maps "importpath.Name" and "importpath.Type.Method" to a
// source. Pointer receivers are written without the star.
var funcSources = map[string]source{
	"time.Now":   srcClock,
	"time.Since": srcClock,
	"time.Until": srcClock,

	"time.Sleep":                srcTimer,
	"time.After":                srcTimer,
	"time.Tick":                 srcTimer,
	"time.NewTimer":             srcTimer,
	"time.NewTicker":            srcTimer,
	"time.AfterFunc":            srcTimer,
	"context.WithTimeout":       srcContext,
	"context.WithDeadline":      srcContext,
	"context.WithTimeoutCause":  srcContext,
	"context.WithDeadlineCause": srcContext,

	"os.Getenv":        srcEnv,
	"os.LookupEnv":     srcEnv,
	"os.Environ":       srcEnv,
	"os.ExpandEnv":     srcEnv,
	"os.Setenv":        srcEnv,
	"os.Unsetenv":      srcEnv,
	"os.Clearenv":      srcEnv,
	"os.Hostname":      srcEnv,
	"os.Getpid":        srcEnv,
	"os.Getppid":       srcEnv,
	"os.Getuid":        srcEnv,
	"os.Geteuid":       srcEnv,
	"os.Getgid":        srcEnv,
	"os.Getegid":       srcEnv,
	"os.Getgroups":     srcEnv,
	"os.Getwd":         srcEnv,
	"os.Executable":    srcEnv,
	"os.UserHomeDir":   srcEnv,
	"os.UserCacheDir":  srcEnv,
	"os.UserConfigDir": srcEnv,
	"os.TempDir":       srcEnv,

	"runtime.NumCPU":       srcEnv,
	"runtime.NumGoroutine": srcEnv,
	"runtime.GOMAXPROCS":   srcEnv,
	"runtime.NumCgoCall":   srcEnv,
	"runtime.ReadMemStats": srcEnv,

	"syscall.Getenv":   srcEnv,
	"syscall.Environ":  srcEnv,
	"syscall.Setenv":   srcEnv,
	"syscall.Unsetenv": srcEnv,
	"syscall.Clearenv": srcEnv,
	"syscall.Getpid":   srcEnv,
	"syscall.Getppid":  srcEnv,
	"syscall.Getuid":   srcEnv,
	"syscall.Geteuid":  srcEnv,
	"syscall.Getgid":   srcEnv,
	"syscall.Getegid":  srcEnv,
	"syscall.Getwd":    srcEnv,

	"fmt.Print":   srcPrint,
	"fmt.Printf":  srcPrint,
	"fmt.Println": srcPrint,
	"fmt.Scan":    srcIO,
	"fmt.Scanf":   srcIO,
	"fmt.Scanln":  srcIO,

	"io/ioutil.ReadFile":  srcIO,
	"io/ioutil.WriteFile": srcIO,
	"io/ioutil.ReadDir":   srcIO,
	"io/ioutil.TempFile":  srcIO,
	"io/ioutil.TempDir":   srcIO,

	"net/http.Get":                         srcHTTP,
	"net/http.Post":                        srcHTTP,
	"net/http.PostForm":                    srcHTTP,
	"net/http.Head":                        srcHTTP,
	"net/http.ListenAndServe":              srcIO,
	"net/http.ListenAndServeTLS":           srcIO,
	"net/http.Serve":                       srcIO,
	"net/http.ServeTLS":                    srcIO,
	"net/http.ProxyFromEnvironment":        srcEnv,
	"net/http.Client.Do":                   srcHTTP,
	"net/http.Client.Get":                  srcHTTP,
	"net/http.Client.Post":                 srcHTTP,
	"net/http.Client.PostForm":             srcHTTP,
	"net/http.Client.Head":                 srcHTTP,
	"net/http.Client.CloseIdleConnections": srcHTTP,
	"net/http.Transport.RoundTrip":         srcHTTP,
	"net/http.RoundTripper.RoundTrip":      srcHTTP,
	"net/http.Server.ListenAndServe":       srcIO,
	"net/http.Server.ListenAndServeTLS":    srcIO,
	"net/http.Server.Serve":                srcIO,
	"net/http.Server.Shutdown":             srcIO,
	"net/http.Server.Close":                srcIO,
}

// logFuncs are the printing functions of log and log/slog; each is also
// a method of the package's Logger.
var logFuncs = map[string][]string{
	"log": {"Print", "Printf", "Println", "Fatal", "Fatalf", "Fatalln", "Panic", "Panicf", "Panicln", "Output"},
	"log/slog": {"Debug", "Info", "Warn", "Error", "Log", "LogAttrs",
		"DebugContext", "InfoContext", "WarnContext", "ErrorContext"},
}

// A pkgSource marks every function and method of a package as a source,
// except the pure ones listed.
type pkgSource struct {
	source
	exceptFuncs []string // package-level functions that are pure
	exceptTypes []string // types whose methods are pure
}

var pkgSources = map[string]pkgSource{
	"os": {srcIO,
		[]string{"IsExist", "IsNotExist", "IsPermission", "IsTimeout", "NewSyscallError",
			"Expand", "IsPathSeparator", "SameFile", "Getpagesize", "DirFS"},
		[]string{"PathError", "LinkError", "SyscallError", "FileMode", "ProcAttr", "Signal"}},
	"os/exec":   {srcIO, nil, []string{"Error", "ExitError"}},
	"os/signal": {srcIO, nil, nil},
	"os/user":   {srcEnv, nil, []string{"UnknownUserError", "UnknownUserIdError", "UnknownGroupError", "UnknownGroupIdError"}},
	"syscall": {srcIO,
		[]string{"ByteSliceFromString", "BytePtrFromString", "StringByteSlice", "StringBytePtr"},
		[]string{"Errno", "Signal"}},
	"golang.org/x/sys/unix": {srcIO, nil, []string{"Errno", "Signal"}},
	"net": {srcIO,
		[]string{"ParseIP", "ParseCIDR", "ParseMAC", "IPv4", "IPv4Mask", "CIDRMask",
			"JoinHostPort", "SplitHostPort", "TCPAddrFromAddrPort", "UDPAddrFromAddrPort"},
		[]string{"IP", "IPMask", "IPNet", "HardwareAddr", "TCPAddr", "UDPAddr", "IPAddr", "UnixAddr",
			"AddrError", "OpError", "DNSError", "ParseError", "UnknownNetworkError",
			"InvalidAddrError", "DNSConfigError", "Flags"}},
	"database/sql": {srcDB,
		[]string{"Named", "Drivers"},
		[]string{"NullString", "NullInt64", "NullInt32", "NullInt16", "NullByte", "NullFloat64",
			"NullBool", "NullTime", "Null", "NamedArg", "RawBytes", "IsolationLevel",
			"TxOptions", "ColumnType", "Out", "DBStats"}},
	"math/rand": {source{ruleRandom, "draws from the global random source and returns different values on resume",
		"use durable.Random(ctx), or seed a rand.New with it"},
		[]string{"New", "NewSource", "NewZipf"},
		[]string{"Rand", "Zipf", "Source", "Source64"}},
	"math/rand/v2": {source{ruleRandom, "draws from the global random source and returns different values on resume",
		"use durable.Random(ctx), or seed a rand.New with it"},
		[]string{"New", "NewPCG", "NewChaCha8", "NewZipf"},
		[]string{"Rand", "Zipf", "Source", "PCG", "ChaCha8"}},
	"crypto/rand": {srcRandom, nil, nil},
}

// uuidSources lists the constructors of well-known UUID and unique-ID
// packages (import paths without a /vN suffix).
var uuidSources = map[string][]string{
	"github.com/google/uuid": {"New", "NewString", "NewRandom", "NewRandomFromReader",
		"NewUUID", "NewV6", "NewV7", "NewV7FromReader", "NewDCEGroup", "NewDCEPerson", "NewDCESecurity"},
	"github.com/gofrs/uuid":          {"NewV1", "NewV3", "NewV4", "NewV5", "NewV6", "NewV7"},
	"github.com/satori/go.uuid":      {"NewV1", "NewV2", "NewV4"},
	"github.com/hashicorp/go-uuid":   {"GenerateUUID", "GenerateRandomBytes"},
	"github.com/oklog/ulid":          {"Make", "Now"},
	"github.com/rs/xid":              {"New"},
	"github.com/segmentio/ksuid":     {"New", "NewRandom"},
	"github.com/lithammer/shortuuid": {"New"},
	"github.com/matoous/go-nanoid":   {"New", "Generate", "Must"},
	"github.com/teris-io/shortid":    {"Generate", "MustGenerate"},
	"github.com/jaevor/go-nanoid":    {"Standard", "Canonic", "CustomASCII"},
	"go.jetify.com/typeid":           {"New", "WithPrefix"},
	"github.com/aidarkhanov/nanoid":  {"New", "Generate"},
	"github.com/sony/sonyflake":      {"NewSonyflake"},
	"github.com/bwmarrin/snowflake":  {"NewNode"},
}

// varSources are package-level variables that must not be used in
// workflow code.
var varSources = map[string]source{
	"os.Stdout":                 srcPrint,
	"os.Stderr":                 srcPrint,
	"os.Stdin":                  srcIO,
	"os.Args":                   srcEnv,
	"crypto/rand.Reader":        srcRandom,
	"net/http.DefaultClient":    srcHTTP,
	"net/http.DefaultTransport": srcHTTP,
}

// funcKey returns "importpath.Name" or "importpath.Type.Method" for fn.
func funcKey(fn *types.Func) (pkg, key string) {
	if fn.Pkg() == nil {
		return "", ""
	}
	pkg = fn.Pkg().Path()
	if recv := recvTypeName(fn); recv != "" {
		return pkg, pkg + "." + recv + "." + fn.Name()
	}
	return pkg, pkg + "." + fn.Name()
}

// recvTypeName returns the name of fn's receiver type ("" for functions).
func recvTypeName(fn *types.Func) string {
	sig, ok := fn.Type().(*types.Signature)
	if !ok || sig.Recv() == nil {
		return ""
	}
	t := sig.Recv().Type()
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	switch t := t.(type) {
	case *types.Named:
		return t.Obj().Name()
	case *types.Alias:
		return t.Obj().Name()
	}
	return ""
}

// lookupSource returns the source that fn is, if any.
func lookupSource(fn *types.Func) (source, bool) {
	pkg, key := funcKey(fn)
	if pkg == "" {
		return source{}, false
	}
	if s, ok := funcSources[key]; ok {
		return s, true
	}
	recv := recvTypeName(fn)
	if names, ok := logFuncs[pkg]; ok && (recv == "" || recv == "Logger") {
		for _, n := range names {
			if n == fn.Name() {
				return srcPrint, true
			}
		}
	}
	if names, ok := uuidSources[trimMajor(pkg)]; ok && recv == "" {
		for _, n := range names {
			if n == fn.Name() {
				return srcUUID, true
			}
		}
	}
	ps, ok := pkgSources[pkg]
	if !ok {
		return source{}, false
	}
	if recv == "" {
		for _, n := range ps.exceptFuncs {
			if n == fn.Name() {
				return source{}, false
			}
		}
	}
	for _, t := range ps.exceptTypes {
		if t == recv {
			return source{}, false
		}
	}
	if !fn.Exported() || (recv != "" && !token.IsExported(recv)) {
		return source{}, false
	}
	return ps.source, true
}

// lookupVarSource returns the source that the package-level v is, if any.
func lookupVarSource(v *types.Var) (source, bool) {
	if v.Pkg() == nil {
		return source{}, false
	}
	s, ok := varSources[v.Pkg().Path()+"."+v.Name()]
	return s, ok
}

// trimMajor removes a trailing /vN major-version element from path.
func trimMajor(path string) string {
	i := strings.LastIndex(path, "/v")
	if i < 0 {
		return path
	}
	for _, r := range path[i+2:] {
		if r < '0' || r > '9' {
			return path
		}
	}
	if i+2 == len(path) {
		return path
	}
	return path[:i]
}

// pureStd lists standard-library functions that are deterministic for
// workflow purposes even though their implementation reaches a source
// (a lazily initialized cache, a debug setting read once).
var pureStd = map[string]bool{
	"fmt.Sprint":           true,
	"fmt.Sprintf":          true,
	"fmt.Sprintln":         true,
	"fmt.Errorf":           true,
	"fmt.Sscan":            true,
	"fmt.Sscanf":           true,
	"fmt.Sscanln":          true,
	"fmt.Append":           true,
	"fmt.Appendf":          true,
	"fmt.Appendln":         true,
	"runtime.Caller":       true,
	"runtime.Callers":      true,
	"runtime.FuncForPC":    true,
	"runtime.SetFinalizer": true,
	"runtime.KeepAlive":    true,
	// The time zone database is read once per process; workers are
	// expected to share it.
	"time.LoadLocation": true,
	"time.Time.Local":   true,
}

// pureStdPkgs are standard-library packages whose functions only reach a
// source through internal plumbing (sync.Pool sizing itself with
// GOMAXPROCS, a GODEBUG setting read once): no facts are computed for
// them. Their listed sources still apply where user code calls them.
var pureStdPkgs = map[string]bool{
	"sync": true, "sync/atomic": true, "reflect": true, "runtime": true, "unsafe": true,
	"internal/sync": true, "internal/godebug": true, "internal/bisect": true, "internal/race": true,
	"internal/cpu": true, "internal/abi": true, "internal/reflectlite": true,
}

// isPureStd reports whether fn is a standard-library function treated as
// deterministic whatever its implementation does.
func (c *checker) isPureStd(fn *types.Func) bool {
	if !c.std {
		return false
	}
	pkg, key := funcKey(fn)
	return pureStd[key] || pureStdPkgs[pkg]
}
