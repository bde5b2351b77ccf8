package checkpoint

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/pmvi/pmvi/pkg/checkpoint/pickle"
)

// LoadTorch reads a file written by torch.save (zip or legacy format) or a
// plain pickle, and returns its contents as package pickle values in which
// every tensor and parameter is a *Tensor. Tensors found under dict keys are
// named by their dotted key path, so a saved state_dict gives tensors named
// as in the state_dict ("mapping.fc0.weight").
func LoadTorch(path string) (any, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	v, err := decodeFile(data)
	if err == nil {
		r := &tensorResolver{tensors: newTensorBuilder(), seen: map[any]bool{}}
		v, err = r.resolve(v, "")
	}
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %s: %w", filepath.Base(path), err)
	}
	return v, nil
}

// tensorResolver replaces pickled tensors by *Tensor values, in place.
type tensorResolver struct {
	tensors *tensorBuilder
	seen    map[any]bool // containers already visited (pickles may hold cycles)
}

// resolve returns v with its tensors materialized; name is v's key path.
func (r *tensorResolver) resolve(v any, name string) (any, error) {
	if isTensor(v) {
		t, err := r.tensors.tensor(v)
		if err != nil {
			if name == "" {
				return nil, err
			}
			return nil, fmt.Errorf("tensor %q: %w", name, err)
		}
		named := *t
		named.Name = name
		return &named, nil
	}
	var id any // identity of a container, to visit each once
	switch c := v.(type) {
	case *pickle.Dict, *pickle.List, *pickle.Set, *pickle.Object:
		id = c
	case pickle.Tuple:
		if len(c) > 0 {
			id = &c[0] // tuples shared through the memo share their array
		}
	}
	if id != nil {
		if r.seen[id] {
			return v, nil
		}
		r.seen[id] = true
	}
	items := func(xs []any) error {
		for i, x := range xs {
			y, err := r.resolve(x, join(name, strconv.Itoa(i)))
			if err != nil {
				return err
			}
			xs[i] = y
		}
		return nil
	}
	switch c := v.(type) {
	case *pickle.Dict:
		for k, x := range c.All() {
			key, ok := k.(string)
			if !ok {
				key = fmt.Sprint(k)
			}
			y, err := r.resolve(x, join(name, key))
			if err != nil {
				return nil, err
			}
			c.Set(k, y) // in place: the key keeps its position
		}
	case pickle.Tuple:
		return v, items(c)
	case *pickle.List:
		return v, items(c.Items)
	case *pickle.Set:
		return v, items(c.Items)
	case *pickle.Object:
		if err := items(c.Args); err != nil {
			return nil, err
		}
		if c.List != nil {
			if err := items(c.List); err != nil {
				return nil, err
			}
		}
		state, err := r.resolve(c.State, name)
		if err != nil {
			return nil, err
		}
		c.State = state
		for _, d := range []*pickle.Dict{c.Items, c.Kwargs} {
			if d != nil {
				if _, err := r.resolve(d, name); err != nil {
					return nil, err
				}
			}
		}
	}
	return v, nil
}
