package roberta.engine.train;

import java.util.Locale;
import roberta.loader.HeadType;

/** What a model is trained to do, and the head that does it. */
public enum Task {
    /** Sequence classification (RobertaForSequenceClassification): a label per text, or several, or a number. */
    SEQ_CLS(HeadType.SEQUENCE_CLASSIFICATION),
    /** Token classification (RobertaForTokenClassification): a label per word. */
    TOKEN_CLS(HeadType.TOKEN_CLASSIFICATION),
    /** Masked language modelling (RobertaForMaskedLM), on plain text. */
    MLM(HeadType.MASKED_LM);

    /** The head the task trains. */
    public final HeadType head;

    Task(HeadType head) {
        this.head = head;
    }

    /**
     * The task a command-line name stands for.
     *
     * @param s seq-cls, token-cls or mlm (or the Hugging Face spellings)
     * @return the task
     */
    public static Task parse(String s) {
        return switch (s.toLowerCase(Locale.ROOT).replace('_', '-')) {
            case "seq-cls", "sequence-classification" -> SEQ_CLS;
            case "token-cls", "token-classification" -> TOKEN_CLS;
            case "mlm", "masked-lm" -> MLM;
            default -> throw new IllegalArgumentException("unknown task '" + s + "' (seq-cls, token-cls, mlm)");
        };
    }

    /**
     * The task that trains a head.
     *
     * @param head the head
     * @return its task
     */
    public static Task of(HeadType head) {
        for (Task t : values()) if (t.head == head) return t;
        throw new IllegalArgumentException("a " + head.architecture + " has no training task");
    }
}
