package shard

import (
	"errors"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want string // "" when refused
	}{
		{"0/1", "0/1"}, {"3/8", "3/8"}, {" 7/8 ", "7/8"},
		{"8/8", ""}, {"-1/4", ""}, {"1/0", ""}, {"1", ""}, {"a/b", ""}, {"", ""}, {"1/2/3", ""},
	} {
		s, err := Parse(tt.in)
		if tt.want == "" {
			if err == nil || !errors.Is(err, ErrShard) || !strings.Contains(err.Error(), "--shard") {
				t.Errorf("Parse(%q) = %v, %v; want an ErrShard naming --shard", tt.in, s, err)
			}
			continue
		}
		if err != nil || s.String() != tt.want {
			t.Errorf("Parse(%q) = %v, %v; want %s", tt.in, s, err, tt.want)
		}
	}
}

func TestResolve(t *testing.T) {
	for _, tt := range []struct {
		name  string
		flag  string
		count int
		env   map[string]string
		want  string // "i/N", or "error: <part of the message>"
	}{
		{"nothing: everything", "", 0, nil, "0/1"},
		{"flag", "2/5", 0, nil, "2/5"},
		{"flag wins over Slurm", "2/5", 0, map[string]string{EnvSlurmID: "4", EnvSlurmN: "8", EnvSlurmMin: "0", EnvSlurmMax: "7"}, "2/5"},
		{"flag and count agree", "2/5", 5, nil, "2/5"},
		{"flag and count disagree", "2/5", 6, nil, "error: disagree"},
		{"flag and env count disagree", "2/5", 0, map[string]string{EnvCount: "4"}, "error: PMVI_SHARDS=4 disagree"},
		{"k8s with --shards", "", 8, map[string]string{EnvK8sIndex: "3"}, "3/8"},
		{"k8s with PMVI_SHARDS", "", 0, map[string]string{EnvK8sIndex: "7", EnvCount: "8"}, "7/8"},
		{"k8s without a count", "", 0, map[string]string{EnvK8sIndex: "3"}, "error: --shards N or set PMVI_SHARDS"},
		{"k8s index past the count", "", 4, map[string]string{EnvK8sIndex: "4"}, "error: outside 0-3"},
		{"k8s index not a number", "", 4, map[string]string{EnvK8sIndex: "x"}, `error: JOB_COMPLETION_INDEX="x"`},
		{"whole Slurm array from 0", "", 0, map[string]string{EnvSlurmID: "5", EnvSlurmN: "8", EnvSlurmMin: "0", EnvSlurmMax: "7"}, "5/8"},
		{"whole Slurm array from 1", "", 0, map[string]string{EnvSlurmID: "8", EnvSlurmN: "8", EnvSlurmMin: "1", EnvSlurmMax: "8"}, "7/8"},
		{"Slurm rerun of 3,7 without a count", "", 0, map[string]string{EnvSlurmID: "7", EnvSlurmN: "2", EnvSlurmMin: "3", EnvSlurmMax: "7"}, "error: sbatch --array=3,7"},
		{"Slurm rerun of 3,7 with PMVI_SHARDS", "", 0, map[string]string{EnvSlurmID: "7", EnvSlurmN: "2", EnvSlurmMin: "3", EnvSlurmMax: "7", EnvCount: "8"}, "7/8"},
		{"Slurm rerun of one task with --shards", "", 8, map[string]string{EnvSlurmID: "3", EnvSlurmN: "1", EnvSlurmMin: "3", EnvSlurmMax: "3"}, "3/8"},
		{"Slurm ID past an explicit count", "", 8, map[string]string{EnvSlurmID: "8"}, "error: number the array's tasks from 0"},
		{"Slurm stepped array", "", 0, map[string]string{EnvSlurmID: "4", EnvSlurmN: "4", EnvSlurmMin: "0", EnvSlurmMax: "6"}, "error: not a whole array"},
		{"Slurm without COUNT", "", 0, map[string]string{EnvSlurmID: "4"}, "error: SLURM_ARRAY_TASK_COUNT is unset"},
		{"k8s wins over Slurm", "", 4, map[string]string{EnvK8sIndex: "1", EnvSlurmID: "3"}, "1/4"},
		{"count without an index", "", 4, nil, "error: without a shard index"},
		{"bad PMVI_SHARDS", "", 0, map[string]string{EnvCount: "0", EnvK8sIndex: "0"}, "error: PMVI_SHARDS=0"},
		{"negative --shards", "", -2, nil, "error: --shards -2"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Resolve(tt.flag, tt.count, func(k string) string { return tt.env[k] })
			if want, ok := strings.CutPrefix(tt.want, "error: "); ok {
				if err == nil || !errors.Is(err, ErrShard) || !strings.Contains(err.Error(), want) {
					t.Errorf("got %v, %v; want an error mentioning %q", s, err, want)
				}
				return
			}
			if err != nil || s.String() != tt.want || s.Source == "" {
				t.Errorf("got %v (source %q), %v; want %s", s, s.Source, err, tt.want)
			}
		})
	}
}

// Every item belongs to exactly one shard, whatever N; each shard's items are i, i+N, ...
func TestItemsPartition(t *testing.T) {
	for _, n := range []int{0, 1, 5, 12, 13} {
		for count := 1; count <= 6; count++ {
			seen := make([]int, n)
			for i := 0; i < count; i++ {
				s := Shard{Index: i, Count: count}
				prev := -1
				for _, k := range s.Items(n) {
					if k <= prev || !s.Owns(k) || Of(k, count) != i {
						t.Fatalf("n=%d shard %v: item %d out of order or not owned", n, s, k)
					}
					prev = k
					seen[k]++
				}
			}
			for k, c := range seen {
				if c != 1 {
					t.Fatalf("n=%d, %d shards: item %d taken %d times", n, count, k, c)
				}
			}
		}
	}
}
