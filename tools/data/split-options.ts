/** Defaults of the split, in a module without dependencies so command lines load it fast. */
export const DEFAULT_SPLIT_SEED = 20261126;
/** Neighbouring frames of a video sequence grouped together (d2_16..d2_20 is one group). */
export const DEFAULT_FRAME_BLOCK = 5;
