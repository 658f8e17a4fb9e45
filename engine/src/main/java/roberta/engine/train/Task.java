package roberta.engine.train;

import java.util.Locale;
import roberta.loader.HeadType;

/** What a model is trained to do, and the head that does it. */
public enum Task {
    SEQ_CLS(HeadType.SEQUENCE_CLASSIFICATION), TOKEN_CLS(HeadType.TOKEN_CLASSIFICATION), MLM(HeadType.MASKED_LM);

    public final HeadType head;

    Task(HeadType head) {
        this.head = head;
    }

    public static Task parse(String s) {
        return switch (s.toLowerCase(Locale.ROOT).replace('_', '-')) {
            case "seq-cls", "sequence-classification" -> SEQ_CLS;
            case "token-cls", "token-classification" -> TOKEN_CLS;
            case "mlm", "masked-lm" -> MLM;
            default -> throw new IllegalArgumentException("unknown task '" + s + "' (seq-cls, token-cls, mlm)");
        };
    }

    public static Task of(HeadType head) {
        for (Task t : values()) if (t.head == head) return t;
        throw new IllegalArgumentException("a " + head.architecture + " has no training task");
    }
}
