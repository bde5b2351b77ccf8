package pickle_test

import (
	"fmt"

	"github.com/pmvi/pmvi/pkg/checkpoint/pickle"
)

func ExampleDecode() {
	// pickle.dumps({"z_dim": 512, "f": os.system("rm")}, protocol=2), by hand:
	// the call is recorded, never made.
	data := []byte("\x80\x02}(X\x05\x00\x00\x00z_dimM\x00\x02X\x01\x00\x00\x00fcos\nsystem\nX\x02\x00\x00\x00rm\x85Ru.")
	v, err := pickle.Decode(data)
	if err != nil {
		panic(err)
	}
	d := v.(*pickle.Dict)
	zDim, _ := d.Get("z_dim")
	f, _ := d.Get("f")
	call := f.(*pickle.Object)
	fmt.Println(zDim, call.Name(), call.Call, call.Args)
	// Output: 512 os.system true [rm]
}
