package kernelext

import (
	"fmt"
	"html"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/janpfeifer/gonb/gonbui"

	"github.com/pmvi/pmvi/pkg/figures"
	"github.com/pmvi/pmvi/pkg/fimage"
	"github.com/pmvi/pmvi/pkg/invert"
	"github.com/pmvi/pmvi/pkg/train"
)

// Update is one step of a long loop, as Progress shows it. Progress.Step and Progress.Train fill it from
// pkg/invert's and pkg/train's reports; other loops can fill it themselves.
type Update struct {
	// Stage names what runs ("w", "pti", "phase 1"); a new name starts a new bar.
	Stage string
	// Step counts from 1 to Steps.
	Step, Steps int
	// Loss is the step's loss and Terms its terms by name; both are left out when Terms is nil and Loss 0.
	Loss  float64
	Terms map[string]float64
	// Elapsed is the time since the stage started; ETA the estimated time left.
	Elapsed, ETA time.Duration
	// Snapshot, when not nil, is the latest picture of the result (shown as a thumbnail).
	Snapshot *fimage.Image
}

// Progress shows the progress of long loops: in a notebook one output, updated in place, with a bar, the
// step, loss and its terms, the time left and a thumbnail of the latest snapshot, plus one line per
// finished stage; outside a notebook a plain line of text per update. Updates are throttled (see Interval);
// the first and the last step of each stage always show.
//
// Its Step method is an invert.Callback and its Train method a pkg/train progress function:
//
//	p := kernelext.NewProgress("inversion")
//	res, err := invert.TunePTI(ctx, be, g, ws, target, opts, losses, p.Step)
//
// A Progress may be used by one loop at a time; its methods are safe for concurrent use.
type Progress struct {
	// Title heads the display and prefixes each text line; empty means none.
	Title string
	// Interval is the least time between two shown updates. Zero means 250 ms in a notebook and 2 s as
	// text; negative shows every update.
	Interval time.Duration
	// Text receives the text lines outside a notebook. Nil means standard error.
	Text io.Writer
	// ThumbHeight is the snapshot thumbnail's height in pixels. Zero means 96; negative hides snapshots.
	ThumbHeight int

	mu       sync.Mutex
	notebook bool
	id       string
	now      func() time.Time
	html     func(id, fragment string) // replaces the notebook output with id

	stage    string
	last     time.Time // when the last update was shown
	snapshot *fimage.Image
	thumb    string   // data URI of the snapshot's thumbnail
	finished []string // one summary per finished stage
}

// NewProgress returns a progress display headed by title, for a notebook when the program runs in one and
// for standard error otherwise.
func NewProgress(title string) *Progress {
	p := &Progress{Title: title, notebook: gonbui.IsNotebook, now: time.Now, html: gonbui.UpdateHTML}
	if p.notebook {
		p.id = "pmvi_progress_" + gonbui.UniqueId()
	}
	return p
}

// Step shows an inversion step (stage, step, loss and terms, time left, snapshot render). It never
// fails: its error result makes it an invert.Callback.
func (p *Progress) Step(s invert.Step) error {
	p.Update(Update{Stage: string(s.Stage), Step: s.Step, Steps: s.Steps, Loss: s.Loss, Terms: s.Terms,
		Elapsed: s.Elapsed, ETA: s.ETA(), Snapshot: s.Render})
	return nil
}

// Train shows a step of pkg/train's run: rendering the training views (phase 0, no loss) or a step of
// phase 1 or 2.
func (p *Progress) Train(t train.Progress) {
	u := Update{Stage: fmt.Sprintf("phase %d", t.Phase), Step: t.Step, Steps: t.Steps, Loss: t.Loss,
		Terms: t.Terms, Elapsed: t.Elapsed, ETA: t.ETA}
	if t.Phase == 0 {
		u.Stage = "render views"
	}
	p.Update(u)
}

// Update shows u, unless an update was shown less than Interval ago and u is neither the first nor the last
// step of its stage. A snapshot is kept even when its update is skipped, and shown with the next one.
func (p *Progress) Update(u Update) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if u.Snapshot != nil {
		p.snapshot, p.thumb = u.Snapshot, ""
	}
	now := p.now()
	last := u.Step >= u.Steps
	if u.Stage == p.stage && !last && now.Sub(p.last) < p.interval() {
		return
	}
	p.stage, p.last = u.Stage, now
	if !p.notebook {
		w := p.Text
		if w == nil {
			w = os.Stderr
		}
		fmt.Fprintln(w, p.line(u))
		return
	}
	if last {
		p.finished = append(p.finished, p.summary(u))
	}
	p.html(p.id, p.render(u, last))
	if last {
		gonbui.Sync() // a stage's final state must reach the notebook even if the cell ends right after
	}
}

func (p *Progress) interval() time.Duration {
	switch {
	case p.Interval != 0:
		return p.Interval
	case p.notebook:
		return 250 * time.Millisecond
	default:
		return 2 * time.Second
	}
}

// line is the text form of u: "title: stage  120/500  24%  loss 0.0123 (lpips 0.2, mse 0.01)  12s, ETA 38s".
func (p *Progress) line(u Update) string {
	var b strings.Builder
	if p.Title != "" {
		b.WriteString(p.Title + ": ")
	}
	fmt.Fprintf(&b, "%s %d/%d %3.0f%%", u.Stage, u.Step, u.Steps, percent(u))
	if loss := lossText(u); loss != "" {
		b.WriteString("  " + loss)
	}
	fmt.Fprintf(&b, "  %s, ETA %s", round(u.Elapsed), round(u.ETA))
	return b.String()
}

// summary is a finished stage's line: "pti: 500 steps, loss 0.0123, 41s".
func (p *Progress) summary(u Update) string {
	s := fmt.Sprintf("%s: %d steps", u.Stage, u.Steps)
	if u.Terms != nil || u.Loss != 0 {
		s += fmt.Sprintf(", loss %.4g", u.Loss)
	}
	return s + ", " + round(u.Elapsed).String()
}

// render is the notebook form of u: title, finished stages, the current bar and the snapshot thumbnail.
func (p *Progress) render(u Update, last bool) string {
	var b strings.Builder
	b.WriteString(`<div style="font-family:monospace;font-size:13px;line-height:1.5">`)
	if p.Title != "" {
		fmt.Fprintf(&b, "<b>%s</b><br/>", html.EscapeString(p.Title))
	}
	for _, s := range p.finished {
		fmt.Fprintf(&b, "&#10003; %s<br/>", html.EscapeString(s))
	}
	if !last {
		pct := percent(u)
		fmt.Fprintf(&b, `%s <span style="display:inline-block;width:200px;height:10px;border:1px solid #888;vertical-align:middle">`+
			`<span style="display:block;width:%.0f%%;height:100%%;background:#4a8"></span></span> %d/%d (%.0f%%)`,
			html.EscapeString(u.Stage), pct, u.Step, u.Steps, pct)
		if loss := lossText(u); loss != "" {
			b.WriteString(" &middot; " + html.EscapeString(loss))
		}
		fmt.Fprintf(&b, " &middot; %s, ETA %s<br/>", round(u.Elapsed), round(u.ETA))
	}
	if thumb := p.thumbnail(); thumb != "" {
		fmt.Fprintf(&b, `<img src="%s" title="latest snapshot"/>`, thumb)
	}
	b.WriteString("</div>")
	return b.String()
}

// thumbnail returns the latest snapshot as a data URI, encoding it once.
func (p *Progress) thumbnail() string {
	if p.snapshot == nil || p.ThumbHeight < 0 {
		return ""
	}
	if p.thumb == "" {
		h := p.ThumbHeight
		if h == 0 {
			h = 96
		}
		img, err := (&figures.Grid{Rows: [][]*fimage.Image{{p.snapshot}}, CellHeight: h, Gap: -1}).Draw()
		if err != nil {
			return "" // a snapshot that cannot be drawn (wrong channels) is left out, not fatal to the loop
		}
		fig, err := NewFigure(img, "")
		if err != nil {
			return ""
		}
		p.thumb = fig.DataURI()
	}
	return p.thumb
}

// lossText is "loss 0.0123 (lpips 0.2, mse 0.01)" with the terms sorted by name, or "" without a loss.
func lossText(u Update) string {
	if u.Terms == nil && u.Loss == 0 {
		return ""
	}
	s := fmt.Sprintf("loss %.4g", u.Loss)
	if len(u.Terms) == 0 {
		return s
	}
	names := make([]string, 0, len(u.Terms))
	for k := range u.Terms {
		names = append(names, k)
	}
	slices.Sort(names)
	parts := make([]string, len(names))
	for i, k := range names {
		parts[i] = fmt.Sprintf("%s %.4g", k, u.Terms[k])
	}
	return s + " (" + strings.Join(parts, ", ") + ")"
}

func percent(u Update) float64 {
	if u.Steps <= 0 {
		return 0
	}
	return 100 * float64(min(max(u.Step, 0), u.Steps)) / float64(u.Steps)
}

// round rounds d to a readable precision: tenths of a second under 10 s, seconds above.
func round(d time.Duration) time.Duration {
	if d < 10*time.Second {
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Second)
}
