// Package main is the beta API plugin: New returns a pluginapi.Plugin
// implemented by a pointer type that keeps state across calls.
package main

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"example.com/corpus/pluginapi"
)

// impl is beta's plugin; its pointer receiver keeps counts across calls.
type impl struct {
	calls int
	seen  map[string]int
}

func (p *impl) Name() string { return "beta" }

func (p *impl) Version() int { return 2 }

// OpError is beta's error type for unknown ops.
type OpError struct {
	Op    string
	Calls int
}

func (e *OpError) Error() string {
	return fmt.Sprintf("beta: unknown op %q (call %d)", e.Op, e.Calls)
}

// Handle answers describe, echo, count and stats; other ops are errors.
func (p *impl) Handle(req pluginapi.Request) (pluginapi.Response, error) {
	p.calls++
	for _, a := range req.Args {
		p.seen[a]++
	}
	switch req.Op {
	case "describe":
		return pluginapi.Response{
			Status: 200,
			Body:   fmt.Sprintf("beta v%d, call %d, for %v", p.Version(), p.calls, req.Args),
			Meta:   map[string]string{"kind": "pointer"},
		}, nil
	case "echo":
		out := make([]string, len(req.Args))
		for i, a := range req.Args {
			out[len(out)-1-i] = a
		}
		return pluginapi.Response{Status: 200, Body: strings.Join(out, " ")}, nil
	case "count":
		return pluginapi.Response{Status: 200, Body: strconv.Itoa(p.calls),
			Meta: map[string]string{"stateful": "true"}}, nil
	case "stats":
		keys := make([]string, 0, len(p.seen))
		for k := range p.seen {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		meta := map[string]string{}
		for _, k := range keys {
			meta[k] = strconv.Itoa(p.seen[k])
		}
		return pluginapi.Response{Status: 200, Body: strings.Join(keys, ","), Meta: meta}, nil
	}
	return pluginapi.Response{Status: 404}, &OpError{Op: req.Op, Calls: p.calls}
}

// Instances counts the New calls.
var Instances int

// New returns a fresh beta plugin.
func New() pluginapi.Plugin {
	Instances++
	return &impl{seen: map[string]int{}}
}
