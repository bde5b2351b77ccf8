package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/pmvi/pmvi/pkg/align"
)

func runAlign(args []string, stdout, stderr io.Writer) error {
	const summary = "detect, align and crop a face photo the way EG3D's FFHQ data is, and estimate its camera"
	fs := newFlags("align", summary, stderr)
	image := fs.String("image", "", "the photo (PNG or JPEG) (required)")
	out := fs.String("out", "", "output directory (required)")
	name := fs.String("name", "", "output file name (default: the photo's name)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *image == "" || *out == "" {
		fmt.Fprintln(fs.Output(), "pmvi align: --image and --out are required (-h for help)")
		return errUsage
	}
	if *name == "" {
		*name = strings.TrimSuffix(filepath.Base(*image), filepath.Ext(*image))
	}
	res, err := align.Photo(*image, align.DefaultOptions())
	if err != nil {
		return err
	}
	for _, w := range res.Warnings {
		fmt.Fprintln(stderr, "pmvi align: warning:", w)
	}
	files, err := res.Save(*out, *name)
	if err != nil {
		return err
	}
	yaw, pitch := res.Camera.YawPitch()
	fmt.Fprintf(stdout, "aligned %s: camera yaw %.3f pitch %.3f rad; wrote %s\n", *image, yaw, pitch, strings.Join(files, ", "))
	return nil
}
