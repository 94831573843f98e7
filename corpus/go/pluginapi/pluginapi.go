// Package pluginapi is the shared API of the alpha and beta plugins: the host
// and both plugins import it, so Go checks that all three were built with the
// same version of it.
package pluginapi

// Request is what a host asks a plugin to do.
type Request struct {
	Op   string
	Args []string
}

// Response is a plugin's answer.
type Response struct {
	Status int
	Body   string
	Meta   map[string]string
}

// Plugin is the interface every API plugin's New returns.
type Plugin interface {
	Name() string
	Version() int
	Handle(Request) (Response, error)
}
