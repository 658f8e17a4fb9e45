package roberta.cli.serve;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads a request body of at most limit bytes. Content-Length is checked before reading; a
 * chunked body (no length) is read up to limit + 1 bytes and refused past the limit, so a
 * client can never make the server buffer more than limit bytes.
 */
final class BoundedBody {
    private BoundedBody() {}

    static byte[] read(InputStream in, String contentLength, long limit) throws IOException {
        if (contentLength != null) {
            long declared;
            try {
                declared = Long.parseLong(contentLength.strip());
            } catch (NumberFormatException e) {
                throw ApiError.badRequest("bad Content-Length");
            }
            if (declared > limit) throw ApiError.tooLarge("request body of " + declared + " bytes exceeds the limit of " + limit);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        long total = 0;
        for (int n; (n = in.read(buf, 0, (int) Math.min(buf.length, limit + 1 - total))) > 0; ) {
            total += n;
            if (total > limit) throw ApiError.tooLarge("request body exceeds the limit of " + limit + " bytes");
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }
}
