package main

// pmvi report: every shard's result.json files merged into one table and a contact sheet.

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/pmvi/pmvi/internal/atomicfile"
	"github.com/pmvi/pmvi/pkg/camera"
	"github.com/pmvi/pmvi/pkg/figures"
	"github.com/pmvi/pmvi/pkg/fimage"
	"github.com/pmvi/pmvi/pkg/invert"
	"github.com/pmvi/pmvi/pkg/shard"
)

// minForInterval is the fewest images a mean gets a 95% interval from: below it the table says so in words.
const minForInterval = 5

// reportArgs are pmvi report's arguments.
type reportArgs struct {
	dir, out    string
	sheet, cell int
}

// parseReportArgs reads pmvi report's flags and its results folder, which may come before or after them.
func parseReportArgs(args []string, stderr io.Writer) (reportArgs, error) {
	const summary = "merge a pmvi batch results folder (every shard's) into table.csv, table.md and contact_sheet.png"
	var a reportArgs
	fs := newFlags("report", summary, stderr)
	fs.StringVar(&a.out, "out", "", "where to write the table and the contact sheet (default: the results folder)")
	fs.IntVar(&a.sheet, "sheet", 24, "images in the contact sheet, in name order (0: no sheet)")
	fs.IntVar(&a.cell, "cell", 128, "contact sheet cell height in pixels")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "pmvi report: %s\n\nUsage: pmvi report [flags] DIR\n\nFlags:\n", summary)
		fs.PrintDefaults()
	}
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return a, err
			}
			return a, errUsage
		}
		if fs.NArg() == 0 {
			break
		}
		rest, args = append(rest, fs.Arg(0)), fs.Args()[1:]
	}
	if len(rest) != 1 {
		fmt.Fprintln(stderr, "pmvi report: want one results folder, as in `pmvi report results/` (-h for help)")
		return a, errUsage
	}
	a.dir = rest[0]
	if a.out == "" {
		a.out = a.dir
	}
	if a.sheet < 0 || a.cell < 8 {
		return a, fmt.Errorf("--sheet %d --cell %d: want a count >= 0 and a height >= 8", a.sheet, a.cell)
	}
	return a, nil
}

func runReport(args []string, stdout, stderr io.Writer) error {
	a, err := parseReportArgs(args, stderr)
	if err != nil {
		return err
	}
	rep, err := loadReport(a.dir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(a.out, 0o755); err != nil {
		return err
	}
	var sheetNote string
	if a.sheet > 0 {
		if sheetNote, err = rep.contactSheet(filepath.Join(a.out, "contact_sheet.png"), a.sheet, a.cell); err != nil {
			return err
		}
	}
	md := rep.markdown(sheetNote)
	if err := errors.Join(atomicfile.WriteBytes(filepath.Join(a.out, "table.csv"), []byte(rep.csv())),
		atomicfile.WriteBytes(filepath.Join(a.out, "summary.csv"), []byte(rep.summaryCSV())),
		atomicfile.WriteBytes(filepath.Join(a.out, "table.md"), []byte(md))); err != nil {
		return err
	}
	ok, failed := rep.counts()
	fmt.Fprintf(stdout, "%d images: %d ok, %d failed", len(rep.results), ok, failed)
	if n := len(rep.missing()); n > 0 {
		fmt.Fprintf(stdout, ", %d not done yet (shards %s)", n, joinInts(rep.missingShards()))
	}
	files := "table.md, table.csv, summary.csv"
	if sheetNote != "" {
		files += ", contact_sheet.png"
	}
	fmt.Fprintf(stdout, "\nwrote %s in %s\n", files, a.out)
	return nil
}

// report is a results folder: every image's result.json, and batch.json when a shard wrote one.
type report struct {
	dir      string
	results  []imageResult
	manifest *batchManifest
	methods  []invert.Method // PTI first, then the others in invert.Methods' order
}

// loadReport reads every result.json below dir (an image's folder may be nested, like its name).
func loadReport(dir string) (*report, error) {
	rep := &report{dir: dir}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != dir && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		if d.IsDir() || d.Name() != resultFile {
			return nil
		}
		r, ok := readResult(filepath.Dir(p))
		if !ok {
			return fmt.Errorf("%s: not a pmvi batch result", p)
		}
		rep.results = append(rep.results, r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if data, err := os.ReadFile(filepath.Join(dir, manifestFile)); err == nil {
		var m batchManifest
		if err := json.Unmarshal(data, &m); err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Join(dir, manifestFile), err)
		}
		rep.manifest = &m
	}
	if len(rep.results) == 0 && rep.manifest == nil {
		return nil, fmt.Errorf("%s holds no result.json and no batch.json: not a pmvi batch results folder", dir)
	}
	sort.Slice(rep.results, func(i, j int) bool { return rep.results[i].Name < rep.results[j].Name })
	seen := map[invert.Method]bool{}
	for _, r := range rep.results {
		for m := range r.Scores {
			seen[m] = true
		}
	}
	for _, m := range append([]invert.Method{invert.MethodPTI}, invert.Methods...) {
		if seen[m] && !slices.Contains(rep.methods, m) {
			rep.methods = append(rep.methods, m)
		}
	}
	return rep, nil
}

func (rep *report) counts() (ok, failed int) {
	for _, r := range rep.results {
		if r.Status == statusOK {
			ok++
		} else {
			failed++
		}
	}
	return ok, failed
}

// missing returns the positions, in batch.json's sorted list, of the images without a result.
func (rep *report) missing() []int {
	if rep.manifest == nil {
		return nil
	}
	have := map[string]bool{}
	for _, r := range rep.results {
		have[r.Name] = true
	}
	var out []int
	for k, n := range rep.manifest.Images {
		if !have[n] {
			out = append(out, k)
		}
	}
	return out
}

// missingShards returns the shards (of batch.json's count) that have images not done.
func (rep *report) missingShards() []int {
	set := map[int]bool{}
	for _, k := range rep.missing() {
		set[shard.Of(k, rep.manifest.Shards)] = true
	}
	var out []int
	for s := range set {
		out = append(out, s)
	}
	sort.Ints(out)
	return out
}

// stat is a mean with the half-width of its 95% interval (Student's t; 0 below minForInterval values).
type stat struct {
	mean, ci95 float64
	n          int
}

func meanCI(xs []float64) stat {
	n := float64(len(xs))
	if n == 0 {
		return stat{mean: math.NaN()}
	}
	var s, v float64
	for _, x := range xs {
		s += x
	}
	mean := s / n
	for _, x := range xs {
		v += (x - mean) * (x - mean)
	}
	st := stat{mean: mean, n: len(xs)}
	if len(xs) >= minForInterval {
		st.ci95 = distuv.StudentsT{Mu: 0, Sigma: 1, Nu: n - 1}.Quantile(0.975) * math.Sqrt(v/(n-1)/n)
	}
	return st
}

// column returns method m's score key over the images that have it; paired with base, the per-image
// differences m − base over the images that have both.
func (rep *report) column(m invert.Method, key string, base invert.Method) []float64 {
	var xs []float64
	for _, r := range rep.results {
		v, ok := r.Scores[m][key]
		if base != "" {
			b, okb := r.Scores[base][key]
			ok, v = ok && okb, v-b
		}
		if r.Status == statusOK && ok {
			xs = append(xs, v)
		}
	}
	return xs
}

// paired reports whether the table shows the method's paired differences from PTI.
func (rep *report) paired(m invert.Method) bool {
	return m != invert.MethodPTI && slices.Contains(rep.methods, invert.MethodPTI)
}

func formatStat(s stat, signed bool) string {
	if s.n == 0 {
		return "–"
	}
	f := "%.4g"
	if signed {
		f = "%+.3g"
	}
	if s.n < minForInterval {
		return fmt.Sprintf(f, s.mean)
	}
	return fmt.Sprintf(f+" ± %.2g", s.mean, s.ci95)
}

func (rep *report) markdown(sheetNote string) string {
	var b strings.Builder
	ok, failed := rep.counts()
	fmt.Fprintf(&b, "# pmvi batch: %s\n\n", rep.dir)
	if m := rep.manifest; m != nil {
		s := m.Settings
		fmt.Fprintf(&b, "%d images listed (method %s, network %s, preset %s, steps %d,%d,%d, seed %d, perceptual %s, %d shards): ",
			len(m.Images), s.Method, s.Network, s.Preset, s.Steps[0], s.Steps[1], s.Steps[2], s.Seed, orNone(s.Perceptual), m.Shards)
	}
	fmt.Fprintf(&b, "%d ok, %d failed", ok, failed)
	if miss := rep.missing(); len(miss) > 0 {
		fmt.Fprintf(&b, ", %d not done yet", len(miss))
	}
	b.WriteString(".\n\n## Scores\n\n")
	if ok == 0 || len(rep.methods) == 0 {
		b.WriteString("No image finished: no scores.\n\n")
	} else {
		b.WriteString("| method |")
		for _, c := range scoreNames {
			fmt.Fprintf(&b, " %s ↑ |", c.label)
		}
		b.WriteString(" images |\n|---|" + strings.Repeat("---|", len(scoreNames)+1) + "\n")
		for _, m := range rep.methods {
			fmt.Fprintf(&b, "| %s |", m)
			for _, c := range scoreNames {
				fmt.Fprintf(&b, " %s |", formatStat(meanCI(rep.column(m, c.key, "")), false))
			}
			fmt.Fprintf(&b, " %d |\n", len(rep.column(m, scoreNames[0].key, "")))
		}
		for _, m := range rep.methods {
			if !rep.paired(m) {
				continue
			}
			fmt.Fprintf(&b, "| %s − pti, per image |", m)
			for _, c := range scoreNames {
				fmt.Fprintf(&b, " %s |", formatStat(meanCI(rep.column(m, c.key, invert.MethodPTI)), true))
			}
			fmt.Fprintf(&b, " %d |\n", len(rep.column(m, scoreNames[0].key, invert.MethodPTI)))
		}
		if ok >= minForInterval {
			b.WriteString("\nMeans over the images that finished; ± is the 95% interval of the mean (Student's t).")
		} else {
			fmt.Fprintf(&b, "\nMeans over %d finished image(s): too few (under %d) for a 95%% interval, so none is given.", ok, minForInterval)
		}
		b.WriteString(" Input PSNR and SSIM compare the render at the input camera with the input (Table 1's reconstruction" +
			" columns). Consistency has no ground truth: each view at the paper's five evaluation cameras is mapped into the" +
			" input through its own rendered depth and compared with the input where the input sees the same surface" +
			" (mean dB over the views). Table 1's novel-view columns need true novel views: `pmvi eval` measures them on" +
			" the synthetic benchmark.\n\n")
	}
	if failed > 0 {
		fmt.Fprintf(&b, "## Failures (%d)\n\n| image | shard | error |\n|---|---|---|\n", failed)
		for _, r := range rep.results {
			if r.Status != statusOK {
				fmt.Fprintf(&b, "| %s | %s | %s |\n", mdCell(r.Name), r.Shard, mdCell(r.Error))
			}
		}
		b.WriteString("\nA failed image is recorded and skipped by later runs; `pmvi batch ... --retry-failed` tries again.\n\n")
	}
	if miss := rep.missing(); len(miss) > 0 {
		fmt.Fprintf(&b, "## Not done yet (%d)\n\n", len(miss))
		var names []string
		for _, k := range miss {
			names = append(names, rep.manifest.Images[k])
		}
		if len(names) > 20 {
			names = append(names[:20], fmt.Sprintf("... (%d more)", len(miss)-20))
		}
		fmt.Fprintf(&b, "%s.\n\nThey belong to shard(s) %s of %d: still running, or stopped (time limit, preemption). Rerun those"+
			" shards (Slurm: `sbatch --array=%s deploy/slurm/pmvi-batch.sbatch`); each skips its finished images.\n\n",
			strings.Join(names, ", "), joinInts(rep.missingShards()), rep.manifest.Shards, joinInts(rep.missingShards()))
	}
	b.WriteString("## Wall time\n\n")
	var total, okTotal float64
	perShard := map[string][2]float64{}
	for _, r := range rep.results {
		total += r.Seconds
		if r.Status == statusOK {
			okTotal += r.Seconds
		}
		ps := perShard[r.Shard]
		perShard[r.Shard] = [2]float64{ps[0] + 1, ps[1] + r.Seconds}
	}
	fmt.Fprintf(&b, "%s over %d images", secs(total), len(rep.results))
	if ok > 0 {
		fmt.Fprintf(&b, "; %s per finished image on average", secs(okTotal/float64(ok)))
	}
	b.WriteString(" (each image's time is that of the run that finished it).\n\n| shard | images | time |\n|---|---|---|\n")
	var shards []string
	for s := range perShard {
		shards = append(shards, s)
	}
	sort.Slice(shards, func(i, j int) bool { return shardLess(shards[i], shards[j]) })
	for _, s := range shards {
		fmt.Fprintf(&b, "| %s | %.0f | %s |\n", s, perShard[s][0], secs(perShard[s][1]))
	}
	if sheetNote != "" {
		fmt.Fprintf(&b, "\n## Contact sheet\n\n%s\n\n![contact sheet](contact_sheet.png)\n", sheetNote)
	}
	b.WriteString("\n## Images\n\n| image | status | camera | shard | seconds |")
	for _, m := range rep.methods {
		for _, c := range scoreNames {
			fmt.Fprintf(&b, " %s %s |", m, c.label)
		}
	}
	b.WriteString("\n|---|---|---|---|---|" + strings.Repeat("---|", len(rep.methods)*len(scoreNames)) + "\n")
	for _, r := range rep.results {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %.1f |", mdCell(r.Name), r.Status, r.Camera, r.Shard, r.Seconds)
		for _, m := range rep.methods {
			for _, c := range scoreNames {
				if v, ok := r.Scores[m][c.key]; ok {
					fmt.Fprintf(&b, " %.4g |", v)
				} else {
					b.WriteString(" – |")
				}
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

// csv is table.csv: one row per image, scores at full precision, the error last.
func (rep *report) csv() string {
	var b strings.Builder
	b.WriteString("image,status,camera,shard,seconds")
	for _, m := range rep.methods {
		for _, c := range scoreNames {
			fmt.Fprintf(&b, ",%s_%s", m, c.key)
		}
	}
	b.WriteString(",error\n")
	for _, r := range rep.results {
		fmt.Fprintf(&b, "%s,%s,%s,%s,%.3f", csvField(r.Name), r.Status, r.Camera, r.Shard, r.Seconds)
		for _, m := range rep.methods {
			for _, c := range scoreNames {
				b.WriteString(",")
				if v, ok := r.Scores[m][c.key]; ok {
					b.WriteString(strconv.FormatFloat(v, 'g', -1, 64))
				}
			}
		}
		fmt.Fprintf(&b, ",%s\n", csvField(r.Error))
	}
	return b.String()
}

// summaryCSV is summary.csv: per method (and paired difference from PTI) and score, the mean, its 95%
// interval's half-width (empty under minForInterval images) and the image count.
func (rep *report) summaryCSV() string {
	var b strings.Builder
	b.WriteString("method,score,mean,ci95,images\n")
	row := func(name, key string, s stat) {
		ci := ""
		if s.n >= minForInterval {
			ci = strconv.FormatFloat(s.ci95, 'g', -1, 64)
		}
		mean := ""
		if s.n > 0 {
			mean = strconv.FormatFloat(s.mean, 'g', -1, 64)
		}
		fmt.Fprintf(&b, "%s,%s,%s,%s,%d\n", name, key, mean, ci, s.n)
	}
	for _, m := range rep.methods {
		for _, c := range scoreNames {
			row(string(m), c.key, meanCI(rep.column(m, c.key, "")))
		}
	}
	for _, m := range rep.methods {
		if rep.paired(m) {
			for _, c := range scoreNames {
				row(string(m)+"-pti", c.key, meanCI(rep.column(m, c.key, invert.MethodPTI)))
			}
		}
	}
	return b.String()
}

// contactSheet draws, for the first limit finished images by name, the input, the method's render at the input
// camera and up to three novel views, labelled, into path. It returns a sentence saying what it shows.
func (rep *report) contactSheet(path string, limit, cellHeight int) (string, error) {
	g := figures.Grid{CellHeight: cellHeight, FontSize: 13}
	var okCount int
	method := invert.Method("")
	for _, r := range rep.results {
		if r.Status != statusOK {
			continue
		}
		okCount++
		if len(g.Rows) >= limit {
			continue
		}
		dir := filepath.Join(rep.dir, filepath.FromSlash(r.Name))
		input, err := fimage.ReadImage(filepath.Join(dir, "input.png"))
		if err != nil {
			return "", err
		}
		render, err := fimage.ReadImage(filepath.Join(dir, "render.png"))
		if err != nil {
			return "", err
		}
		row := []*fimage.Image{input, render}
		caps := []string{r.Camera, ""}
		if c, err := runCamera(dir); err == nil {
			caps[0] += " " + poseCaption(c)
		}
		if v, ok := r.Scores[r.Method]["input_psnr"]; ok {
			caps[1] = fmt.Sprintf("%.1f dB", v)
		}
		views, err := camera.ReadDataset(filepath.Join(dir, "novel_cameras.json"))
		if err != nil {
			return "", err
		}
		for _, i := range spreadViews(views) {
			img, err := fimage.ReadImage(filepath.Join(dir, filepath.FromSlash(views[i].File)))
			if err != nil {
				return "", err
			}
			row = append(row, img)
			caps = append(caps, poseCaption(views[i].Camera))
		}
		g.Rows = append(g.Rows, row)
		g.Captions = append(g.Captions, caps)
		g.RowLabels = append(g.RowLabels, r.Name)
		method = r.Method
	}
	if len(g.Rows) == 0 {
		return "", nil
	}
	g.ColLabels = []string{"input", string(method) + " at input", "novel view", "novel view", "novel view"}
	img, err := g.Draw()
	if err != nil {
		return "", err
	}
	if err := figures.WritePNG(path, img); err != nil {
		return "", err
	}
	note := fmt.Sprintf("contact_sheet.png: each finished image's input (its camera given or aligned), the %s result rendered at the input camera (input PSNR under it) and novel views at the cameras written", method)
	if okCount > len(g.Rows) {
		note += fmt.Sprintf("; the first %d of %d finished images by name (`pmvi report --sheet N` for more)", len(g.Rows), okCount)
	}
	return note + ".", nil
}

// runCamera reads the input camera from an image folder's run.json.
func runCamera(dir string) (camera.Camera, error) {
	var rec invert.RunRecord
	data, err := os.ReadFile(filepath.Join(dir, "run.json"))
	if err == nil {
		err = json.Unmarshal(data, &rec)
	}
	if err != nil {
		return camera.Camera{}, err
	}
	return camera.FromLabel(rec.Camera)
}

// poseCaption is a camera's yaw and pitch in whole degrees.
func poseCaption(c camera.Camera) string {
	yaw, pitch := c.YawPitch()
	deg := func(rad float64) float64 { return math.Round(rad*180/math.Pi) + 0 } // + 0: no "-0"
	return fmt.Sprintf("yaw %+.0f° pitch %+.0f°", deg(yaw), deg(pitch))
}

// spreadViews picks up to three of the novel views that show the head from far apart: the leftmost and the
// rightmost, and the one furthest up or down.
func spreadViews(views []camera.Labelled) []int {
	if len(views) <= 3 {
		idx := make([]int, len(views))
		for i := range idx {
			idx[i] = i
		}
		return idx
	}
	lo, hi, tilt := 0, 0, -1
	for i, v := range views {
		y, _ := v.Camera.YawPitch()
		if y0, _ := views[lo].Camera.YawPitch(); y < y0 {
			lo = i
		}
		if y1, _ := views[hi].Camera.YawPitch(); y > y1 {
			hi = i
		}
	}
	best := -1.0
	for i, v := range views {
		if _, p := v.Camera.YawPitch(); i != lo && i != hi && math.Abs(p) > best {
			tilt, best = i, math.Abs(p)
		}
	}
	return []int{lo, hi, tilt}
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func secs(s float64) string {
	return time.Duration(s * float64(time.Second)).Round(time.Second / 10).String()
}

// shardLess orders "i/N" shard names by N, then i.
func shardLess(a, b string) bool {
	sa, ea := shard.Parse(a)
	sb, eb := shard.Parse(b)
	if ea != nil || eb != nil {
		return a < b
	}
	if sa.Count != sb.Count {
		return sa.Count < sb.Count
	}
	return sa.Index < sb.Index
}

func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, ",")
}

// mdCell makes s safe in a markdown table cell.
func mdCell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ", "\r", " ").Replace(s)
}

// csvField quotes s for CSV when it needs it.
func csvField(s string) string {
	if !strings.ContainsAny(s, ",\"\n\r") {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}
