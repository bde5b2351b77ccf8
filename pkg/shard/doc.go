// Package shard splits a sorted list of work items (the images of a dataset, the cases of a benchmark) into N
// independent parts, so a Slurm job array or a Kubernetes Indexed Job runs one part per task with the same
// command, and no item is done twice.
//
// Shard i of N takes items i, i+N, i+2N, ... of the list sorted by name (strided, as SPI's --dataset_block
// and pmvi eval): neighbouring names, which often come from one source and cost alike, spread over every
// shard, and a list that grows at its end keeps its shards balanced. Which items a shard owns depends only on
// the sorted list and on N, never on what earlier runs finished.
//
// Resolve finds the shard a process is, in this order:
//
//	--shard i/N                    given on the command line: wins over the environment
//	JOB_COMPLETION_INDEX=i         a Kubernetes Indexed Job's pod; N from --shards or PMVI_SHARDS (the Job's completions)
//	SLURM_ARRAY_TASK_ID=i          a Slurm array task; with --shards or PMVI_SHARDS the task ID is i itself (number
//	                               the array from 0, so `sbatch --array=3,7` reruns shards 3 and 7); without, N is
//	                               SLURM_ARRAY_TASK_COUNT and i the ID minus SLURM_ARRAY_TASK_MIN (an array 1-8
//	                               is shards 0-7 of 8), which only a whole, contiguous array may do
//	nothing                        shard 0/1: every item
//
// Errors name the flag or variable at fault; they wrap ErrShard.
package shard
