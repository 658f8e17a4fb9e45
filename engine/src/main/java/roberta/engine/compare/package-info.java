/**
 * "Freeze or tune?" answered for one model and one task: {@link roberta.engine.compare.Comparison}
 * runs each way of adapting a pretrained encoder ({@link roberta.engine.compare.Strategy}: heads on
 * frozen features, the top layers, LoRA adapters, full fine-tuning) with its own defaults, scores
 * them alike and measures what each costs; {@link roberta.engine.compare.CompareReport} writes the
 * table and the chart. {@code ./roberta compare} is this package on the command line.
 */
package roberta.engine.compare;
