package roberta.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import org.junit.jupiter.api.Test;

/** What a user reads when something fails: the file and what is wrong, on one line. */
class ErrorMessagesTest {
    @Test
    void fileErrorsNameTheFileAndTheReason() {
        assertEquals("/data/x.jsonl: no such file", Main.oneLine(new NoSuchFileException("/data/x.jsonl")));
        assertEquals("/data/x.jsonl: no such file", Main.oneLine(new UncheckedIOException(new NoSuchFileException("/data/x.jsonl"))));
        assertEquals("/root/y: permission denied", Main.oneLine(new AccessDeniedException("/root/y")));
        assertEquals("a b", Main.oneLine(new IllegalArgumentException("a\nb")));
    }

    @Test
    void bugsAreSaidToBeBugsNotShownAsARawMessage() {
        String npe = Main.oneLine(new NullPointerException("Cannot invoke \"String.length()\" because \"s\" is null"));
        assertTrue(npe.startsWith("internal error (NullPointerException"), npe);
        assertTrue(npe.contains("please report"), npe);
        assertTrue(Main.oneLine(new ArithmeticException("/ by zero")).startsWith("internal error"));
    }

    @Test
    void aMissingInputFileIsNamedAsMissing() {
        CliTest.assertOneLineError(CliTest.run("bench-tokenizer", "--model", CliTest.MLM.toString(), "--input", "/no/such/input.txt"),
                "/no/such/input.txt: no such file");
    }
}
