#!/usr/bin/env bash
# Remakes results/: the measurements behind README's numbers and notebooks 02, 05 and 09, on the default embedded
# model and the quick preset, most important first. Every step resumes where it stopped: a finished head is never
# redone (pmvi eval skips the cases it saved) and an interrupted one goes on from its last finished stage (the
# stages are kept under out/results-ws), so rerun this script after any interruption, even kill -9.
#
#   scripts/results.sh                 # every step, in the order below
#   scripts/results.sh benchmark       # named steps only: pti-long benchmark densityreg camera views
#
# Sizes (two cores, whole 128x128 images a step: W+ 1.5 s, PTI 1.8 s, stage 3 3.2 s a step): pti-long about
# 35 minutes a head, benchmark 35, densityreg 12 more on heads the benchmark did; camera and views fit 64x64
# patches (4x cheaper steps), a few minutes a run. A results directory refuses other settings (its eval.json):
# delete it to redo it with new ones; one made before eval.json existed is replaced. PMVI_RESULTS_WS moves the stage
# cache (default out/results-ws) to a disk that outlives the checkout, so a half-done head survives a fresh clone.
set -euo pipefail
cd "$(dirname "$0")/.."

P=out/pmvi-results
WS=${PMVI_RESULTS_WS:-out/results-ws}

eval_into() { # eval_into NAME WORKSPACE FLAGS...: pmvi eval into results/NAME
	local name=$1 ws=$2
	shift 2
	echo "== results/$name: pmvi eval $*"
	if [[ -d results/$name && ! -e results/$name/eval.json ]]; then
		echo "results/$name was made by an older pmvi (no eval.json, settings unknown): replacing it"
		rm -rf "results/$name"
	fi
	"$P" eval --workspace "$WS/$ws" --out "results/$name" "$@"
}

step_pti_long() { # the issue-21 check of the model: PTI run 1000 steps, scored every 50 (supp. Fig. 2's PTI curve)
	eval_into pti-long pti-long --methods pti --cases 4 --steps 150,1000,0 --curve-every 50
}
step_benchmark() { # Table 1 and the trade-off: PTI, PTI continued as long as stage 3 (PTI-long) and the method
	eval_into benchmark quick --methods pti,ptilong,ours --cases 10 --curve-every 50
}
step_densityreg() { # supp. D: density regularization beside them, reusing the benchmark's stages
	eval_into benchmark-densityreg quick --methods pti,ptilong,ours,densityreg --cases 5
}
step_camera() { # notebook 09: W+ from a camera turned 3, 6, 10 and 25 degrees away, with and without refinement
	eval_into camera-refinement/true camera --methods w --cases 5 --patch 64
	for d in 3 6 10 25; do
		eval_into camera-refinement/off$d camera-$d --methods w --cases 5 --patch 64 --perturb $d
		eval_into camera-refinement/off$d-refined camera-$d-refined --methods w --cases 5 --patch 64 --perturb $d --refine-camera w
	done
}
step_views() { # notebook 09: one, two and three input views of a head, PTI and the method
	for n in 1 2 3; do
		eval_into multi-view/views$n views$n --methods pti,ours --cases 5 --views $n --patch 64 --steps 150,150,150
	done
}

all=(pti-long benchmark densityreg camera views)
steps=("$@")
[[ ${#steps[@]} -gt 0 ]] || steps=("${all[@]}")
for s in "${steps[@]}"; do
	[[ " ${all[*]} " == *" $s "* ]] || { echo "scripts/results.sh: no step $s (${all[*]})" >&2; exit 2; }
done
mkdir -p out
go build -o "$P" ./cmd/pmvi
for s in "${steps[@]}"; do
	"step_${s//-/_}"
done
echo "results/ is up to date; notebooks 02, 05 and 09 read it (re-execute them to refresh their outputs)"
