package shard

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrShard is wrapped by every error of this package: a malformed or inconsistent shard.
var ErrShard = errors.New("shard")

// Environment variables Resolve reads.
const (
	EnvK8sIndex  = "JOB_COMPLETION_INDEX"   // set by Kubernetes in an Indexed Job's pods
	EnvSlurmID   = "SLURM_ARRAY_TASK_ID"    // set by Slurm in an array task
	EnvSlurmN    = "SLURM_ARRAY_TASK_COUNT" // the number of tasks in the array
	EnvSlurmMin  = "SLURM_ARRAY_TASK_MIN"   // the array's smallest task ID
	EnvSlurmMax  = "SLURM_ARRAY_TASK_MAX"   // the array's largest task ID
	EnvCount     = "PMVI_SHARDS"            // the shard count, when --shards is not given
	maxShards    = 1 << 20
	defaultShard = "0/1"
)

// Shard is part Index (from 0) of Count parts of a list. The zero value is invalid; use All for "everything".
type Shard struct {
	Index, Count int
	// Source says where the shard came from, for a log line: "--shard", "JOB_COMPLETION_INDEX=3, PMVI_SHARDS=8",
	// "SLURM_ARRAY_TASK_ID=5 of array 1-8", "default". Empty is allowed.
	Source string
}

// All is the one shard that owns every item.
var All = Shard{Index: 0, Count: 1, Source: "default"}

// String returns "i/N".
func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.Index, s.Count) }

// Owns reports whether item k (0-based, in the sorted list) belongs to the shard.
func (s Shard) Owns(k int) bool { return s.Count > 0 && k >= 0 && k%s.Count == s.Index }

// Items returns the positions, in order, of the shard's items in a list of n.
func (s Shard) Items(n int) []int {
	var out []int
	for k := s.Index; s.Count > 0 && k < n; k += s.Count {
		out = append(out, k)
	}
	return out
}

// Of returns the position k's item has in a list split into count shards: the shard that owns it.
func Of(k, count int) int { return k % count }

// Parse reads "i/N" with 0 <= i < N.
func Parse(s string) (Shard, error) {
	a, b, ok := strings.Cut(strings.TrimSpace(s), "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || n > maxShards || i < 0 || i >= n {
		return Shard{}, fmt.Errorf("%w: --shard %q: want i/N with 0 <= i < N (e.g. 0/8)", ErrShard, s)
	}
	return Shard{Index: i, Count: n, Source: "--shard"}, nil
}

// Resolve returns the shard of this process from the --shard flag (flag, "" when not given), the --shards
// flag (count, 0 when not given) and the environment (getenv, e.g. os.Getenv), in the order the package doc
// lists.
func Resolve(flag string, count int, getenv func(string) string) (Shard, error) {
	if count < 0 || count > maxShards {
		return Shard{}, fmt.Errorf("%w: --shards %d: want a count from 1 to %d", ErrShard, count, maxShards)
	}
	countFrom := "--shards"
	if count == 0 {
		if v := getenv(EnvCount); v != "" {
			n, err := atoi(EnvCount, v)
			if err != nil {
				return Shard{}, err
			}
			if n < 1 || n > maxShards {
				return Shard{}, fmt.Errorf("%w: %s=%s: want a count from 1 to %d", ErrShard, EnvCount, v, maxShards)
			}
			count, countFrom = n, EnvCount
		}
	}
	if flag != "" {
		s, err := Parse(flag)
		if err != nil {
			return Shard{}, err
		}
		if count != 0 && count != s.Count {
			return Shard{}, fmt.Errorf("%w: --shard %s and %s=%d disagree on the shard count", ErrShard, flag, countFrom, count)
		}
		return s, nil
	}
	if v := getenv(EnvK8sIndex); v != "" {
		i, err := atoi(EnvK8sIndex, v)
		if err != nil {
			return Shard{}, err
		}
		if count == 0 {
			return Shard{}, fmt.Errorf("%w: %s=%s but no shard count: give --shards N or set %s to the Job's completions", ErrShard, EnvK8sIndex, v, EnvCount)
		}
		return check(Shard{Index: i, Count: count, Source: fmt.Sprintf("%s=%d, %s=%d", EnvK8sIndex, i, countFrom, count)})
	}
	if v := getenv(EnvSlurmID); v != "" {
		id, err := atoi(EnvSlurmID, v)
		if err != nil {
			return Shard{}, err
		}
		if count != 0 {
			return check(Shard{Index: id, Count: count, Source: fmt.Sprintf("%s=%d, %s=%d", EnvSlurmID, id, countFrom, count)})
		}
		return slurmArray(id, getenv)
	}
	if count != 0 {
		// Running shard 0 of N silently would leave the other shards' items undone.
		return Shard{}, fmt.Errorf("%w: %s=%d without a shard index: give --shard i/%d, or run under a Slurm array or an Indexed Job", ErrShard, countFrom, count, count)
	}
	return All, nil
}

// slurmArray derives the shard from a whole array: N tasks numbered MIN..MAX.
func slurmArray(id int, getenv func(string) string) (Shard, error) {
	var n, lo, hi int
	for _, p := range []struct {
		name string
		v    *int
	}{{EnvSlurmN, &n}, {EnvSlurmMin, &lo}, {EnvSlurmMax, &hi}} {
		raw := getenv(p.name)
		if raw == "" {
			return Shard{}, fmt.Errorf("%w: %s=%d but %s is unset: give --shards N (or set %s)", ErrShard, EnvSlurmID, id, p.name, EnvCount)
		}
		v, err := atoi(p.name, raw)
		if err != nil {
			return Shard{}, err
		}
		*p.v = v
	}
	if hi-lo+1 != n {
		return Shard{}, fmt.Errorf("%w: the Slurm array holds %d tasks between %d and %d, not a whole array 0-(N-1) or 1-N: when rerunning some shards (sbatch --array=3,7), give --shards N or set %s to the full array's size", ErrShard, n, lo, hi, EnvCount)
	}
	return check(Shard{Index: id - lo, Count: n, Source: fmt.Sprintf("%s=%d of array %d-%d", EnvSlurmID, id, lo, hi)})
}

// check validates a shard derived from the environment.
func check(s Shard) (Shard, error) {
	if s.Index < 0 || s.Index >= s.Count {
		return Shard{}, fmt.Errorf("%w: %s gives shard %d, outside 0-%d (number the array's tasks from 0 to N-1)", ErrShard, s.Source, s.Index, s.Count-1)
	}
	return s, nil
}

func atoi(name, v string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return 0, fmt.Errorf("%w: %s=%q is not an integer", ErrShard, name, v)
	}
	return n, nil
}
