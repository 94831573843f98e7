// Package main is the alpha API plugin: New returns a pluginapi.Plugin
// implemented by a struct value type without state.
package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"example.com/corpus/pluginapi"
)

// impl is alpha's plugin: a value type, so every call sees the same fields.
type impl struct {
	name    string
	version int
}

func (p impl) Name() string { return p.name }

func (p impl) Version() int { return p.version }

// Handle answers describe, echo, count and upper; other ops are errors.
func (p impl) Handle(req pluginapi.Request) (pluginapi.Response, error) {
	switch req.Op {
	case "describe":
		return pluginapi.Response{
			Status: 200,
			Body:   fmt.Sprintf("%s v%d (asked by %s)", p.name, p.version, strings.Join(req.Args, ",")),
			Meta:   map[string]string{"kind": "value", "ops": "count,describe,echo,upper"},
		}, nil
	case "echo":
		return pluginapi.Response{Status: 200, Body: strings.Join(req.Args, " ")}, nil
	case "count":
		// A value receiver has no state: count is the number of arguments.
		return pluginapi.Response{Status: 200, Body: strconv.Itoa(len(req.Args)),
			Meta: map[string]string{"stateful": "false"}}, nil
	case "upper":
		return pluginapi.Response{Status: 200, Body: strings.ToUpper(strings.Join(req.Args, ""))}, nil
	}
	return pluginapi.Response{Status: 400}, errors.New("alpha: unknown op " + strconv.Quote(req.Op))
}

// New returns alpha's plugin.
func New() pluginapi.Plugin { return impl{name: "alpha", version: 1} }

// Kind tells which implementation alpha uses.
var Kind = "struct value"
