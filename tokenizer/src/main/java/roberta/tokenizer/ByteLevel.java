package roberta.tokenizer;

/**
 * GPT-2's byte-to-unicode table: every byte 0..255 gets a printable character, so a BPE
 * vocabulary over characters can spell any byte string. Printable Latin-1 bytes map to
 * themselves; the rest (control characters, space, 0x7F-0xA0, 0xAD) map to U+0100 upwards
 * in byte order. A space therefore becomes 'Ġ' (U+0120) and a newline 'Ċ' (U+010A).
 */
public final class ByteLevel {
    /** BYTE_TO_CHAR[b] is the character standing for byte b. */
    private static final char[] BYTE_TO_CHAR = new char[256];
    /** CHAR_TO_BYTE[c] is the byte for character c, or -1 when c stands for no byte. */
    private static final short[] CHAR_TO_BYTE = new short[512];

    static {
        java.util.Arrays.fill(CHAR_TO_BYTE, (short) -1);
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = printable ? (char) b : (char) next++;
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = (short) b;
        }
    }

    private ByteLevel() {}

    public static char charOf(int unsignedByte) {
        return BYTE_TO_CHAR[unsignedByte];
    }

    /** The byte that character c stands for, or -1 if it stands for none. */
    public static int byteOf(char c) {
        return c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
    }

    /** The byte-level spelling of a byte string, as it appears in vocab.json. */
    public static String toChars(byte[] bytes, int from, int to) {
        char[] out = new char[to - from];
        for (int i = from; i < to; i++) out[i - from] = BYTE_TO_CHAR[bytes[i] & 0xFF];
        return new String(out);
    }
}
