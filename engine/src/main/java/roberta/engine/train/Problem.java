package roberta.engine.train;

/**
 * What a sequence classifier predicts, as config.json's problem_type says: one class
 * (cross-entropy), a number (regression, MSE) or a set of classes (multi-label, BCE with logits).
 */
public enum Problem {
    SINGLE_LABEL, REGRESSION, MULTI_LABEL;

    /** The problem_type string transformers writes for it. */
    public String problemType() {
        return switch (this) {
            case SINGLE_LABEL -> "single_label_classification";
            case REGRESSION -> "regression";
            case MULTI_LABEL -> "multi_label_classification";
        };
    }
}
