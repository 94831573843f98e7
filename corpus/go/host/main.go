// Command host is the reference Go host: it opens plugins with Go's own
// plugin package, runs the operations of a scenario file and prints a JSON
// transcript of what Go answered. The emulator's answers are compared with it.
//
// Usage: host -scenario FILE [-plugin NAME=PATH ...]
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"plugin"
	"reflect"
	"strings"

	"example.com/corpus/pluginapi"
)

// Op is one step of a scenario.
type Op struct {
	Op     string            `json:"op"`               // open, lookup, load, store, call, method, assert
	Plugin string            `json:"plugin,omitempty"` // plugin name (open, lookup, load, store, call)
	Symbol string            `json:"symbol,omitempty"` // exported symbol
	Value  string            `json:"value,omitempty"`  // a saved value (call, method, load)
	Method string            `json:"method,omitempty"` // method name (method)
	Args   []json.RawMessage `json:"args,omitempty"`   // call arguments, decoded by parameter type
	Store  json.RawMessage   `json:"store,omitempty"`  // the value to store (store)
	Save   string            `json:"save,omitempty"`   // save the (first) result under this name
	Iface  string            `json:"iface,omitempty"`  // assert: the interface to convert to
}

// Scenario is a scenario file: a list of operations.
type Scenario struct {
	Ops []Op `json:"ops"`
}

type runner struct {
	paths   map[string]string
	plugins map[string]*plugin.Plugin
	saved   map[string]reflect.Value
}

type pluginFlag map[string]string

func (p pluginFlag) String() string { return fmt.Sprint(map[string]string(p)) }

func (p pluginFlag) Set(s string) error {
	name, path, ok := strings.Cut(s, "=")
	if !ok {
		return fmt.Errorf("want NAME=PATH, got %q", s)
	}
	p[name] = path
	return nil
}

func main() {
	paths := pluginFlag{}
	scenarioPath := flag.String("scenario", "", "scenario file (JSON)")
	flag.Var(paths, "plugin", "NAME=PATH of a plugin the scenario names (repeatable)")
	flag.Parse()
	data, err := os.ReadFile(*scenarioPath)
	if err != nil {
		fatal(err)
	}
	var sc Scenario
	if err := json.Unmarshal(data, &sc); err != nil {
		fatal(fmt.Errorf("%s: %v", *scenarioPath, err))
	}
	r := &runner{paths: paths, plugins: map[string]*plugin.Plugin{}, saved: map[string]reflect.Value{}}
	events := make([]map[string]any, 0, len(sc.Ops))
	for _, op := range sc.Ops {
		events = append(events, r.run(op))
	}
	out := json.NewEncoder(realStdout)
	out.SetIndent("", " ")
	out.SetEscapeHTML(false)
	if err := out.Encode(map[string]any{"events": events}); err != nil {
		fatal(err)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "host:", err)
	os.Exit(2)
}

// run performs one operation with the plugin's output captured and any panic
// recovered, and returns its event.
func (r *runner) run(op Op) (ev map[string]any) {
	ev = map[string]any{"op": op.Op}
	for k, v := range map[string]string{"plugin": op.Plugin, "symbol": op.Symbol, "value": op.Value, "method": op.Method} {
		if v != "" {
			ev[k] = v
		}
	}
	if len(op.Args) > 0 {
		ev["args"] = op.Args
	}
	capture := startCapture()
	defer func() {
		if rec := recover(); rec != nil {
			ev["panic"] = fmt.Sprint(rec)
			ev["panic_type"] = fmt.Sprintf("%T", rec)
		}
		stdout, stderr := capture.stop()
		if stdout != "" {
			ev["stdout"] = stdout
		}
		if stderr != "" {
			ev["stderr"] = stderr
		}
	}()
	switch op.Op {
	case "open":
		r.open(op, ev)
	case "lookup":
		if sym := r.lookup(op, ev); sym != nil {
			ev["type"] = fmt.Sprintf("%T", sym)
		}
	case "load":
		r.load(op, ev)
	case "store":
		sym := r.lookup(op, ev)
		if sym == nil {
			return
		}
		target := reflect.ValueOf(sym).Elem()
		target.Set(decode(op.Store, target.Type()))
		ev["store"] = op.Store
		ev["result"] = encodeTop(target)
	case "call":
		r.call(op, ev)
	case "method":
		r.method(op, ev)
	case "assert":
		r.assert(op, ev)
	default:
		fatal(fmt.Errorf("unknown op %q", op.Op))
	}
	return ev
}

func (r *runner) open(op Op, ev map[string]any) {
	path, ok := r.paths[op.Plugin]
	if !ok {
		fatal(fmt.Errorf("no -plugin given for %q", op.Plugin))
	}
	p, err := plugin.Open(path)
	if err != nil {
		// Go names the plugin by its path, with a trailing ".so" cut off in
		// some of its messages but not in others: "<name>" stands for the
		// path without ".so".
		ev["error"] = strings.ReplaceAll(err.Error(), strings.TrimSuffix(path, ".so"), "<"+op.Plugin+">")
		return
	}
	if prev, seen := r.plugins[op.Plugin]; seen {
		ev["same"] = prev == p
	}
	r.plugins[op.Plugin] = p
}

func (r *runner) lookup(op Op, ev map[string]any) plugin.Symbol {
	p, ok := r.plugins[op.Plugin]
	if !ok {
		// Its open failed (or the scenario never opened it): nothing to look up.
		ev["skipped"] = "plugin not open"
		return nil
	}
	sym, err := p.Lookup(op.Symbol)
	if err != nil {
		ev["error"] = err.Error()
		return nil
	}
	return sym
}

func (r *runner) load(op Op, ev map[string]any) {
	if op.Value != "" {
		ev["result"] = encodeTop(r.savedValue(op.Value))
		return
	}
	if sym := r.lookup(op, ev); sym != nil {
		v := reflect.ValueOf(sym).Elem()
		ev["result"] = encodeTop(v)
		r.save(op, v)
	}
}

func (r *runner) savedValue(name string) reflect.Value {
	v, ok := r.saved[name]
	if !ok {
		fatal(fmt.Errorf("no saved value %q", name))
	}
	return v
}

func (r *runner) call(op Op, ev map[string]any) {
	var fn reflect.Value
	if op.Value != "" {
		fn = r.savedValue(op.Value)
	} else if sym := r.lookup(op, ev); sym != nil {
		fn = reflect.ValueOf(sym)
	} else {
		return
	}
	r.record(callFunc(fn, op.Args), op, ev)
}

func (r *runner) method(op Op, ev map[string]any) {
	r.record(callMethod(r.savedValue(op.Value), op.Method, op.Args), op, ev)
}

// assert converts a saved value to a shared-API interface, as a host that
// knows the plugin's API would, and calls it through that interface.
func (r *runner) assert(op Op, ev map[string]any) {
	v := r.savedValue(op.Value)
	switch op.Iface {
	case "pluginapi.Plugin":
		p, ok := v.Interface().(pluginapi.Plugin)
		ev["ok"] = ok
		if ok {
			resp, err := p.Handle(pluginapi.Request{Op: "describe", Args: []string{p.Name()}})
			ev["results"] = []any{encodeTop(reflect.ValueOf(resp)), encodeTop(reflect.ValueOf(&err).Elem())}
			r.save(op, reflect.ValueOf(p))
		}
	default:
		fatal(fmt.Errorf("unknown interface %q", op.Iface))
	}
}

func (r *runner) record(results []reflect.Value, op Op, ev map[string]any) {
	enc := make([]any, len(results))
	for i, v := range results {
		enc[i] = encodeTop(v)
	}
	ev["results"] = enc
	if len(results) > 0 {
		r.save(op, results[0])
	}
}

func (r *runner) save(op Op, v reflect.Value) {
	if op.Save != "" {
		r.saved[op.Save] = v
	}
}
