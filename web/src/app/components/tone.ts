/** The colour family of a badge or notice; the words always carry the meaning too. */
export type Tone = 'neutral' | 'info' | 'success' | 'warning' | 'danger';
