// Package main is the typezoo corpus plugin: it exports funcs and vars of every kind of Go type.
package main

import (
	"errors"
	"fmt"
	"unsafe"

	"example.com/corpus/plugins/typezoo/zoolib"
)

// Shape is a named interface.
type Shape interface {
	Area() float64
	Name() string
}

// Circle implements Shape.
type Circle struct{ R float64 }

func (c Circle) Area() float64 { return 3 * c.R * c.R }
func (c Circle) Name() string  { return "circle" }

var (
	Counter int64
	Label   = "zoo"
	Names   []string
	Table   map[string]func(float64) Shape
	Grid    [3][4]int8
	In      <-chan int
	Out     chan<- []byte
	Nested  chan (<-chan int)
	Any     interface{}
	Point   struct {
		X, Y int `json:"y"`
		name string
	}
	Embedded struct {
		Circle
		*zoolib.Thing
	}
	Ptr      **Circle
	Variadic func(string, ...int) (int, error)
	Raw      unsafe.Pointer
	Complex  complex128
	Addr     uintptr
	Err      error
	Gen      zoolib.Box[int]
	Methods  interface {
		Area() float64
		Scale(f float64) (Shape, bool)
	}
	Funcs map[[2]string][]*map[int]chan struct{}
	Empty struct{}
)

func init() { Counter = 42 }

// Greet greets name.
func Greet(name string) string { return fmt.Sprintf("hello, %s", name) }

// Divide divides.
func Divide(a, b int) (int, error) {
	if b == 0 {
		return 0, errors.New("divide by zero")
	}
	return a / b, nil
}

// Sum adds its arguments.
func Sum(xs ...int) int {
	t := 0
	for _, x := range xs {
		t += x
	}
	return t
}

// MakeShape returns a Shape.
func MakeShape(r float64) Shape { return Circle{r} }

// Apply maps f over xs.
func Apply(f func(int) int, xs []int) []int {
	out := make([]int, len(xs))
	for i, x := range xs {
		out[i] = f(x)
	}
	return out
}

// Describe formats any value.
func Describe(v any) string { return fmt.Sprint(v) }

// Nothing does nothing.
func Nothing() {}

// Multi takes and returns basic kinds.
func Multi(a int8, b uint16, c float32, d complex64, e bool) (uint, uintptr, string) {
	return uint(a), uintptr(b), fmt.Sprint(c, d, e)
}

// NewThing returns a zoolib.Thing.
func NewThing() zoolib.Thing { return zoolib.Thing{ID: 1} }

// Version reports zoolib's version.
func Version() string { return zoolib.Version() }
