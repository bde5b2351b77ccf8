package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/pmvi/pmvi/pkg/invert"
)

// progressBar draws one updating line per stage on a terminal: stage, a bar, step/total, loss and ETA.
type progressBar struct {
	w     io.Writer
	last  time.Time
	stage invert.Stage
}

func newProgressBar(w io.Writer) *progressBar { return &progressBar{w: w} }

// Step is an invert.Callback.
func (p *progressBar) Step(s invert.Step) error {
	now := time.Now()
	final := s.Step == s.Steps
	if s.Stage == p.stage && !final && now.Sub(p.last) < 200*time.Millisecond {
		return nil
	}
	p.last, p.stage = now, s.Stage
	const width = 24
	filled := width * s.Step / max(1, s.Steps)
	bar := strings.Repeat("=", filled) + strings.Repeat(" ", width-filled)
	stage := string(s.Stage)
	if s.StageCount > 0 {
		stage = fmt.Sprintf("%d/%d %s", s.StageIndex, s.StageCount, s.Stage)
	}
	loss := fmt.Sprintf("loss %.4g", s.Loss)
	if s.Stage == invert.StagePseudo {
		loss = "views" // building pseudo views has no loss
	}
	fmt.Fprintf(p.w, "\r%-16s [%s] %4d/%-4d %-12s %s elapsed, ETA %s ", stage, bar, s.Step, s.Steps, loss,
		s.Elapsed.Round(time.Second), s.ETA().Round(time.Second))
	if final {
		fmt.Fprintln(p.w)
	}
	return nil
}
