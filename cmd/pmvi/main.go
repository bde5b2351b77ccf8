// Command pmvi runs the stages of "High-Fidelity 3D-aware GAN Inversion by Pseudo-multi-view Optimization"
// on EG3D generators: render views, invert images, build pseudo multi-views, train the embedded tiny model,
// evaluate and make the figures. Run `pmvi help` for the commands.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// command is one subcommand: its one-line summary and its entry point, which parses its own flags.
type command struct {
	summary string
	run     func(args []string, stdout, stderr io.Writer) error
}

func commands() map[string]command {
	return map[string]command{
		"render":     {"render a view of a generator for a seed or latent at a camera", runRender},
		"demo":       {"invert a held-out head with the embedded model through every stage and write the figures", runDemo},
		"edit":       {"edit an inverted head along an attribute direction: w + alpha*n (InterFaceGAN, supp. A.2)", runEdit},
		"eval":       {"the synthetic benchmark: invert held-out heads with each method, score against ground truth", runEval},
		"align":      {"detect, align and crop a face photo as EG3D's FFHQ data, and estimate its camera", runAlign},
		"batch":      {"invert every image of a folder or dataset.json, one shard per process (Slurm arrays, Indexed Jobs); resumable", runBatch},
		"report":     {"merge a batch's results (every shard's) into one table and a contact sheet", runReport},
		"invert":     {"invert an image or photo with the paper's whole method (W+, PTI, pseudo views, final optimization); resumable", runInvert},
		"train-tiny": {"train an embedded generator (--preset tiny or small) on the procedural head world (resumable)", runTrainTiny},
	}
}

// errUsage marks errors already reported by a flag set (exit status 2, no extra message).
var errUsage = errors.New("usage")

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	cmds := commands()
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout, cmds)
		return 0
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "pmvi: unknown command %q (run `pmvi help`)\n", args[0])
		return 2
	}
	err := safely(func() error { return cmd.run(args[1:], stdout, stderr) })
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp): // -h printed the flags
		return 0
	case errors.Is(err, errUsage):
		return 2
	default:
		fmt.Fprintf(stderr, "pmvi %s: %v\n", args[0], err)
		return 1
	}
}

// safely turns a panic (GoMLX reports graph-building failures by panicking) into an error, so the user gets
// one line instead of a trace; the cause is a bug in pmvi, not in the user's input, and the message says so.
func safely(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("internal error (please report): %v", r)
		}
	}()
	return f()
}

func usage(w io.Writer, cmds map[string]command) {
	fmt.Fprintln(w, "pmvi: 3D-aware GAN inversion by pseudo-multi-view optimization (EG3D, GoMLX)")
	fmt.Fprintln(w, "\nUsage: pmvi <command> [flags]   (pmvi <command> -h for its flags)\n\nCommands:")
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-12s %s\n", n, cmds[n].summary)
	}
	fmt.Fprintln(w, "\nBackend: GOMLX_BACKEND selects it (default: the pure-Go CPU engine; xla:cuda in binaries built with -tags xla).")
}

// newFlags returns a flag set that reports errors without exiting.
func newFlags(name, summary string, out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("pmvi "+name, flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() {
		fmt.Fprintf(out, "pmvi %s: %s\n\nFlags:\n", name, summary)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses flags and rejects stray arguments.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "%s: unexpected argument %q\n", fs.Name(), strings.Join(fs.Args(), " "))
		return errUsage
	}
	return nil
}
