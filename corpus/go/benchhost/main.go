// Command benchhost times Go's own plugin package on a plugin: plugin.Open (the first open in
// this process, which is all Go allows: a plugin is never unloaded, and opening it again only
// returns the same one), then the per-call latency of the plugin's Add, Greet, Words and Spin
// (those it exports with the bench plugin's types; others are skipped). benchmarks/bench_emulate.py runs it natively and under qemu-user,
// once per repetition of the open, and compares it with the emulator.
//
// Usage: benchhost -plugin PATH [-calls N] [-reps R] [-words N] [-spin N] [-spincalls N]
//
// It prints one JSON object: the Go version and arch, the open time, its peak RSS, and per func the median
// over R repetitions of the per-call time of a loop of calls: N calls of Add and Greet, N/100
// of Words(-words), -spincalls of Spin(-spin).
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"plugin"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"
)

type callResult struct {
	Calls     int       `json:"calls"`       // calls per repetition
	PerCallNs float64   `json:"per_call_ns"` // median over the repetitions of (time / calls)
	RepsNs    []float64 `json:"reps_ns"`     // per-call time of each repetition
	Result    any       `json:"result"`      // what the last call returned
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	n := len(s)
	if n == 0 {
		return 0
	}
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// timeCalls runs call n times per repetition, reps times, and reports the per-call times.
func timeCalls(n, reps int, call func() any) callResult {
	r := callResult{Calls: n}
	for rep := 0; rep < reps; rep++ {
		start := time.Now()
		for i := 0; i < n; i++ {
			r.Result = call()
		}
		r.RepsNs = append(r.RepsNs, float64(time.Since(start).Nanoseconds())/float64(n))
	}
	r.PerCallNs = median(r.RepsNs)
	return r
}

// peakRSSKiB is this process's peak resident set (Linux's VmHWM; under qemu-user, qemu's own,
// guest included), or -1 where /proc does not tell. getrusage's ru_maxrss would not do: it
// keeps the high-water mark of the process that exec'd this one.
func peakRSSKiB() int {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return -1
	}
	defer f.Close()
	lines := bufio.NewScanner(f)
	for lines.Scan() {
		if rest, ok := strings.CutPrefix(lines.Text(), "VmHWM:"); ok {
			if kib, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB")); err == nil {
				return kib
			}
		}
	}
	return -1
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "benchhost:", err)
	os.Exit(1)
}

func main() {
	path := flag.String("plugin", "", "the plugin to open")
	calls := flag.Int("calls", 10000, "calls per repetition of Add and Greet (Words: calls/100)")
	reps := flag.Int("reps", 5, "repetitions of each timed loop of calls")
	words := flag.Int("words", 1000, "Words' argument")
	spin := flag.Int("spin", 10000000, "Spin's argument")
	spinCalls := flag.Int("spincalls", 1, "calls per repetition of Spin")
	flag.Parse()
	if *path == "" {
		fatal(fmt.Errorf("-plugin is required"))
	}

	start := time.Now()
	p, err := plugin.Open(*path)
	openNs := time.Since(start).Nanoseconds()
	if err != nil {
		fatal(err)
	}

	results := map[string]callResult{}
	if sym, err := p.Lookup("Add"); err == nil {
		if f, ok := sym.(func(int, int) int); ok {
			results["Add"] = timeCalls(*calls, *reps, func() any { return f(2, 3) })
		}
	}
	if sym, err := p.Lookup("Greet"); err == nil {
		if f, ok := sym.(func(string) string); ok {
			results["Greet"] = timeCalls(*calls, *reps, func() any { return f("world") })
		}
	}
	if sym, err := p.Lookup("Words"); err == nil {
		if f, ok := sym.(func(int) int); ok {
			n := *calls / 100
			if n < 1 {
				n = 1
			}
			results["Words"] = timeCalls(n, *reps, func() any { return f(*words) })
		}
	}
	if sym, err := p.Lookup("Spin"); err == nil {
		if f, ok := sym.(func(int) int); ok {
			results["Spin"] = timeCalls(*spinCalls, *reps, func() any { return f(*spin) })
		}
	}

	out := json.NewEncoder(os.Stdout)
	out.SetIndent("", " ")
	if err := out.Encode(map[string]any{
		"go": runtime.Version(), "goos": runtime.GOOS, "goarch": runtime.GOARCH,
		"plugin": *path, "open_ns": openNs, "words": *words, "spin": *spin, "calls": results,
		"peak_rss_kib": peakRSSKiB(),
	}); err != nil {
		fatal(err)
	}
}
