package backend

import (
	"fmt"
	"reflect"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/graph"
)

// GoMLX v0.26.0 keeps each node's static parameters (a conv's strides, a DotGeneral's axes) in an unexported
// struct, and a VJP registered through graph.VJPRegistration gets only the *graph.Node. The gradient overrides
// read those parameters by reflection: read-only, no unsafe. TestNodeParamsLayout fails if a GoMLX upgrade
// renames a field, so this file is the one place to update then.

// nodeParams gives read access to the parameters struct of a graph node.
type nodeParams struct {
	node   *graph.Node
	fields reflect.Value // The struct behind the node's unexported "inputs" interface field.
}

// paramsOf returns the parameters of node.
func paramsOf(node *graph.Node) nodeParams {
	inputs := reflect.ValueOf(node).Elem().FieldByName("inputs")
	if !inputs.IsValid() || inputs.Kind() != reflect.Interface || inputs.IsNil() {
		panic(fmt.Sprintf("backend: cannot read the parameters of node %s: GoMLX's graph.Node layout changed", node))
	}
	fields := inputs.Elem()
	if fields.Kind() == reflect.Pointer {
		fields = fields.Elem()
	}
	return nodeParams{node: node, fields: fields}
}

func (p nodeParams) field(name string) reflect.Value {
	f := p.fields.FieldByName(name)
	if !f.IsValid() {
		panic(fmt.Sprintf("backend: parameters of %s node have no field %q: GoMLX's %s layout changed",
			p.node.Type(), name, p.fields.Type()))
	}
	return f
}

// Int returns the int field name.
func (p nodeParams) Int(name string) int { return int(p.field(name).Int()) }

// Bool returns the bool field name.
func (p nodeParams) Bool(name string) bool { return p.field(name).Bool() }

// Ints returns a copy of the []int field name (nil stays nil).
func (p nodeParams) Ints(name string) []int { return intsOf(p.field(name)) }

// Pairs returns a copy of the [][2]int field name (nil stays nil).
func (p nodeParams) Pairs(name string) [][2]int {
	f := p.field(name)
	if f.IsNil() {
		return nil
	}
	out := make([][2]int, f.Len())
	for i := range out {
		out[i] = [2]int{int(f.Index(i).Index(0).Int()), int(f.Index(i).Index(1).Int())}
	}
	return out
}

// ConvAxes returns the backends.ConvolveAxesConfig field name.
func (p nodeParams) ConvAxes(name string) backends.ConvolveAxesConfig {
	f := p.field(name)
	get := func(n string) reflect.Value {
		v := f.FieldByName(n)
		if !v.IsValid() {
			panic(fmt.Sprintf("backend: backends.ConvolveAxesConfig has no field %q: GoMLX changed", n))
		}
		return v
	}
	return backends.ConvolveAxesConfig{
		InputBatch:           int(get("InputBatch").Int()),
		InputChannels:        int(get("InputChannels").Int()),
		InputSpatial:         intsOf(get("InputSpatial")),
		KernelInputChannels:  int(get("KernelInputChannels").Int()),
		KernelOutputChannels: int(get("KernelOutputChannels").Int()),
		KernelSpatial:        intsOf(get("KernelSpatial")),
		OutputBatch:          int(get("OutputBatch").Int()),
		OutputChannels:       int(get("OutputChannels").Int()),
		OutputSpatial:        intsOf(get("OutputSpatial")),
	}
}

func intsOf(f reflect.Value) []int {
	if f.IsNil() {
		return nil
	}
	out := make([]int, f.Len())
	for i := range out {
		out[i] = int(f.Index(i).Int())
	}
	return out
}

// PadAxes returns the []backends.PadAxis field name.
func (p nodeParams) PadAxes(name string) []backends.PadAxis {
	f := p.field(name)
	out := make([]backends.PadAxis, f.Len())
	for i := range out {
		e := f.Index(i)
		out[i] = backends.PadAxis{
			Start:    int(e.FieldByName("Start").Int()),
			End:      int(e.FieldByName("End").Int()),
			Interior: int(e.FieldByName("Interior").Int()),
		}
	}
	return out
}
