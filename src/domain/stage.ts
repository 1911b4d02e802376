/**
 * The stages of a run, as progress announces them and a report names the one its run stopped in
 * (AbortInfo.stage). In domain/ so the report value can name them without importing the pipeline.
 */

/** The stages of the pipeline in order; a report names the one its run stopped in. */
export type Stage = 'discover' | 'plan' | 'preflight' | 'deploy' | 'sweep' | 'run' | 'collect';

/** Every point a run announces: the pipeline's stages, then the ones that always run after it. */
export type RunStage = Stage | 'cleanup' | 'evaluate' | 'report' | 'upload' | 'done';
