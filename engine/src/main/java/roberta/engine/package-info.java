/**
 * The RoBERTa engine as a Java library. The public API, kept stable and documented:
 * <ul>
 *   <li>{@link roberta.engine.Roberta}: a model folder loaded with its tokenizer: embeddings
 *       ({@link roberta.engine.EmbedOptions}, {@link roberta.engine.Pooling},
 *       {@link roberta.engine.SentencePipeline}), fill-mask and classification;</li>
 *   <li>{@link roberta.engine.FineTuning}: fine-tuning set up with
 *       {@link roberta.engine.FineTuning#of(java.nio.file.Path)} ({@link roberta.engine.FineTuningBuilder},
 *       {@link roberta.engine.TrainOptions}, {@link roberta.engine.train.Task}), ending in a
 *       {@link roberta.engine.FineTuning.Outcome};</li>
 *   <li>{@link roberta.engine.Listener}: where progress, epoch metrics, messages and warnings go;
 *       the library itself never prints and never exits;</li>
 *   <li>from the other modules: {@code roberta.tokenizer.RobertaTokenizer}, {@code Encoding} and
 *       {@code EncodeOptions}; {@code roberta.kernels.Devices} (choosing CPU or GPU) and
 *       {@code Notices}.</li>
 * </ul>
 * Everything else public in these packages is public for the command line and may change.
 * The JVM needs {@code --add-modules jdk.incubator.vector} (the CPU kernels use the Vector API).
 *
 * <pre>{@code
 * Roberta roberta = Roberta.load(Path.of("roberta-base"));
 * float[][] vectors = roberta.embed(List.of("a sentence", "another"), EmbedOptions.mean().normalized());
 * }</pre>
 */
package roberta.engine;
