package roberta.tokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * How often each pre-token ("word") occurs in a corpus, spelled in byte-level characters: the
 * input of {@link BpeTrainer}. Text is split as Hugging Face's ByteLevel pre-tokenizer does
 * (the GPT-2 regex, no prefix space), one line at a time with its line ending kept, which is
 * how {@code tokenizers}' {@code train(files)} reads a file; so "\n" is a word ("Ċ") too.
 */
public final class WordCounts {
    /** word (byte-level characters) -> {count}; a one-element array so counting never reboxes. */
    private final Map<String, long[]> counts = new HashMap<>();
    private long words;

    /** Counts the pre-tokens of one piece of text (a line with its ending, or any string). */
    public void add(String text) {
        PreTokenizer.split(text, 0, text.length(), (s, e) -> {
            counts.computeIfAbsent(byteLevel(text, s, e), k -> new long[1])[0]++;
            words++;
        });
    }

    /**
     * Counts a UTF-8 text file line by line. Malformed UTF-8 is refused with the file and line,
     * as Hugging Face's trainer refuses it. {@code bytesRead} hears the bytes consumed so far.
     */
    public void addFile(Path file, LongConsumer bytesRead) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            addStream(in, file.toString(), bytesRead);
        }
    }

    /** As {@link #addFile}, from a stream; {@code name} is what errors call it. */
    public void addStream(InputStream in, String name, LongConsumer bytesRead) throws IOException {
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        byte[] chunk = new byte[1 << 16], line = new byte[1 << 12];
        int len = 0;
        long lineNo = 0, consumed = 0;
        for (int n = in.read(chunk); n >= 0; n = in.read(chunk)) {
            for (int i = 0; i < n; i++) {
                if (len == line.length) line = java.util.Arrays.copyOf(line, len * 2);
                byte b = chunk[i];
                line[len++] = b;
                if (b == '\n') {
                    addLine(utf8, line, len, name, ++lineNo);
                    consumed += len;
                    len = 0;
                }
            }
            bytesRead.accept(consumed);
        }
        if (len > 0) addLine(utf8, line, len, name, ++lineNo);
        bytesRead.accept(consumed + len);
    }

    private void addLine(CharsetDecoder utf8, byte[] bytes, int len, String file, long lineNo) {
        CharBuffer chars;
        try {
            chars = utf8.reset().decode(ByteBuffer.wrap(bytes, 0, len));
        } catch (CharacterCodingException e) {
            throw new TokenizerFormatException(file + ":" + lineNo + ": not valid UTF-8");
        }
        add(chars.toString());
    }

    /** The byte-level spelling of text[from, to): each UTF-8 byte as its GPT-2 character, as the tokenizer encodes it. */
    static String byteLevel(String text, int from, int to) {
        byte[] utf8 = RobertaTokenizer.utf8(text, from, to);
        return ByteLevel.toChars(utf8, 0, utf8.length);
    }

    /** Distinct words seen. */
    public int distinct() {
        return counts.size();
    }

    /** Pre-tokens seen in all, with repeats. */
    public long total() {
        return words;
    }

    Map<String, long[]> map() {
        return counts;
    }
}
