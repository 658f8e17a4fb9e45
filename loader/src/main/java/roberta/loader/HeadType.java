package roberta.loader;

/** Which prediction head a checkpoint carries, by its Hugging Face class name. */
public enum HeadType {
    NONE("RobertaModel"),
    MASKED_LM("RobertaForMaskedLM"),
    SEQUENCE_CLASSIFICATION("RobertaForSequenceClassification"),
    TOKEN_CLASSIFICATION("RobertaForTokenClassification");

    public final String architecture;

    HeadType(String architecture) {
        this.architecture = architecture;
    }

    public static HeadType fromArchitecture(String name) {
        if (name == null) return null;
        for (HeadType h : values()) if (h.architecture.equals(name)) return h;
        if (name.equals("RobertaForCausalLM")) return MASKED_LM; // same lm_head layout
        return null;
    }
}
