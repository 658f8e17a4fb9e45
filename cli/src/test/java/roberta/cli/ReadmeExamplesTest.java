package roberta.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every ```java block of the README compiles against the engine as it is (no drift). */
class ReadmeExamplesTest {
    private static final String IMPORTS = """
            import java.nio.file.*;
            import java.util.*;
            import roberta.engine.*;
            import roberta.engine.train.*;
            import roberta.kernels.*;
            import roberta.loader.*;
            import roberta.tokenizer.*;
            """;

    static List<String> javaBlocks(String markdown) {
        List<String> blocks = new ArrayList<>();
        Matcher m = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL).matcher(markdown);
        while (m.find()) blocks.add(m.group(1));
        return blocks;
    }

    @Test
    void theReadmesJavaExamplesCompile(@TempDir Path out) throws Exception {
        Path readme = CliTest.models().getParent().getParent().resolve("README.md");
        List<String> blocks = javaBlocks(Files.readString(readme));
        assertFalse(blocks.isEmpty(), "the README has Java examples");
        List<JavaFileObject> sources = new ArrayList<>();
        for (int i = 0; i < blocks.size(); i++) {
            String name = "ReadmeExample" + i;
            String code = IMPORTS + "class " + name + " {\n  void example() throws Exception {\n" + blocks.get(i) + "\n  }\n}\n";
            sources.add(new SimpleJavaFileObject(URI.create("string:///" + name + ".java"), JavaFileObject.Kind.SOURCE) {
                @Override
                public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                    return code;
                }
            });
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        StringWriter errors = new StringWriter();
        boolean ok = javac.getTask(errors, null, null, List.of("-d", out.toString(), "-classpath", System.getProperty("java.class.path"),
                "--add-modules", "jdk.incubator.vector", "-Xlint:-incubating", "-proc:none"), null, sources).call();
        assertTrue(ok, "README example does not compile:\n" + errors);
    }
}
