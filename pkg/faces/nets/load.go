package nets

import (
	"fmt"
	"os"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/onnx-gomlx/onnx"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// network is a converted ONNX model with one input, compiled for one input shape.
type network struct {
	name   string
	model  *onnx.Model
	ctx    *context.Context
	exec   *context.Exec
	input  string
	output []string
}

// loadNetwork reads an ONNX file, applies the rewrites and prepares it for execution on b.
func loadNetwork(b backends.Backend, path string) (*network, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("nets: %w", err)
	}
	data, err = rewrite(data)
	if err != nil {
		return nil, fmt.Errorf("nets: %s: %w", path, err)
	}
	m, err := onnx.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("nets: %s: %w", path, err)
	}
	if len(m.InputsNames) != 1 {
		return nil, fmt.Errorf("nets: %s: %d inputs, want 1", path, len(m.InputsNames))
	}
	ctx := context.New()
	if err := m.VariablesToContext(ctx); err != nil {
		return nil, fmt.Errorf("nets: %s: %w", path, err)
	}
	n := &network{name: path, model: m, ctx: ctx, input: m.InputsNames[0], output: m.OutputsNames}
	n.exec, err = context.NewExec(b, ctx.Reuse(), func(ctx *context.Context, x *graph.Node) []*graph.Node {
		return m.CallGraph(ctx, x.Graph(), map[string]*graph.Node{n.input: x})
	})
	if err != nil {
		return nil, fmt.Errorf("nets: %s: %w", path, err)
	}
	return n, nil
}

// run executes the network on one NCHW float32 input and returns every output, flattened.
func (n *network) run(x []float32, dims ...int) (outs [][]float32, err error) {
	defer func() {
		if r := recover(); r != nil {
			outs, err = nil, fmt.Errorf("nets: %s: %v", n.name, r)
		}
	}()
	in := tensors.FromFlatDataAndDimensions(x, dims...)
	res, err := n.exec.Exec(in)
	if err != nil {
		return nil, fmt.Errorf("nets: %s: %w", n.name, err)
	}
	for _, t := range res {
		outs = append(outs, tensors.MustCopyFlatData[float32](t))
		t.FinalizeAll()
	}
	return outs, nil
}

// rewrite replaces the ops onnx-gomlx v0.3.4 lacks by equivalent ones. It edits the model through
// protobuf reflection, since onnx-gomlx keeps its generated ONNX types internal.
func rewrite(data []byte) ([]byte, error) {
	var empty onnx.Model
	model := empty.Proto.ProtoReflect().Type().New()
	if err := proto.Unmarshal(data, model.Interface()); err != nil {
		return nil, fmt.Errorf("not an ONNX model: %w", err)
	}
	g := model.Get(field(model, "graph")).Message()
	nodesField := field(g, "node")
	nodes := g.Get(nodesField).List()
	inits := g.Mutable(field(g, "initializer")).List()
	out := g.NewField(nodesField).List()
	for i := 0; i < nodes.Len(); i++ {
		node := nodes.Get(i).Message()
		switch str(node, "op_type") {
		case "PRelu":
			for _, nn := range preluNodes(g, node) {
				out.Append(protoreflect.ValueOfMessage(nn))
			}
			continue
		case "Slice":
			if err := sliceToInputs(g, node, inits); err != nil {
				return nil, err
			}
		}
		out.Append(protoreflect.ValueOfMessage(node))
	}
	g.Set(nodesField, protoreflect.ValueOfList(out))
	return proto.Marshal(model.Interface())
}

func field(m protoreflect.Message, name string) protoreflect.FieldDescriptor {
	fd := m.Descriptor().Fields().ByName(protoreflect.Name(name))
	if fd == nil {
		panic(fmt.Sprintf("nets: ONNX message %s has no field %q", m.Descriptor().FullName(), name))
	}
	return fd
}

func str(m protoreflect.Message, name string) string { return m.Get(field(m, name)).String() }

// newNode returns a NodeProto with the given op, inputs and outputs.
func newNode(g protoreflect.Message, op, name string, inputs, outputs []string) protoreflect.Message {
	n := g.Get(field(g, "node")).List().NewElement().Message()
	n.Set(field(n, "op_type"), protoreflect.ValueOfString(op))
	n.Set(field(n, "name"), protoreflect.ValueOfString(name))
	in := n.Mutable(field(n, "input")).List()
	for _, s := range inputs {
		in.Append(protoreflect.ValueOfString(s))
	}
	o := n.Mutable(field(n, "output")).List()
	for _, s := range outputs {
		o.Append(protoreflect.ValueOfString(s))
	}
	return n
}

// preluNodes returns PRelu(x, slope) = Relu(x) - slope*Relu(-x) as five nodes.
func preluNodes(g, node protoreflect.Message) []protoreflect.Message {
	in := node.Get(field(node, "input")).List()
	x, slope := in.Get(0).String(), in.Get(1).String()
	y := node.Get(field(node, "output")).List().Get(0).String()
	p := "prelu_rewrite/" + y + "/"
	return []protoreflect.Message{
		newNode(g, "Relu", p+"pos", []string{x}, []string{p + "pos"}),
		newNode(g, "Neg", p+"neg", []string{x}, []string{p + "neg"}),
		newNode(g, "Relu", p+"negrelu", []string{p + "neg"}, []string{p + "negrelu"}),
		newNode(g, "Mul", p+"scaled", []string{slope, p + "negrelu"}, []string{p + "scaled"}),
		newNode(g, "Sub", p+"out", []string{p + "pos", p + "scaled"}, []string{y}),
	}
}

// sliceToInputs moves an opset-9 Slice's starts, ends and axes attributes into int64 initializers named
// after the node's output, appended as inputs. A Slice that already has them as inputs is left alone.
func sliceToInputs(g, node protoreflect.Message, inits protoreflect.List) error {
	attrs := node.Get(field(node, "attribute")).List()
	if attrs.Len() == 0 {
		return nil
	}
	inputs := node.Mutable(field(node, "input")).List()
	if inputs.Len() != 1 {
		return fmt.Errorf("Slice node %q has both attributes and %d inputs", str(node, "name"), inputs.Len())
	}
	values := map[string][]int64{}
	for i := 0; i < attrs.Len(); i++ {
		a := attrs.Get(i).Message()
		ints := a.Get(field(a, "ints")).List()
		var v []int64
		for j := 0; j < ints.Len(); j++ {
			v = append(v, ints.Get(j).Int())
		}
		values[str(a, "name")] = v
	}
	if values["starts"] == nil || values["ends"] == nil {
		return fmt.Errorf("Slice node %q has no starts/ends attributes", str(node, "name"))
	}
	out := node.Get(field(node, "output")).List().Get(0).String()
	for _, name := range []string{"starts", "ends", "axes"} {
		v, ok := values[name]
		if !ok {
			break
		}
		t := inits.NewElement().Message()
		tname := "slice_rewrite/" + out + "/" + name
		t.Set(field(t, "name"), protoreflect.ValueOfString(tname))
		t.Set(field(t, "data_type"), protoreflect.ValueOfInt32(7)) // INT64
		dims := t.Mutable(field(t, "dims")).List()
		dims.Append(protoreflect.ValueOfInt64(int64(len(v))))
		data := t.Mutable(field(t, "int64_data")).List()
		for _, x := range v {
			data.Append(protoreflect.ValueOfInt64(x))
		}
		inits.Append(protoreflect.ValueOfMessage(t))
		inputs.Append(protoreflect.ValueOfString(tname))
	}
	node.Clear(field(node, "attribute"))
	return nil
}
