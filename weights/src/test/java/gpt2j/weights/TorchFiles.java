package gpt2j.weights;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes hand-made pytorch_model.bin files for the refusal tests, opcode by opcode, following the pickle format and
 * torch.save's two containers (independently of the reader). Good files come from tools/make_pytorch_fixtures.py.
 */
final class TorchFiles {

    /** A pickle being written. */
    static final class Pickle {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Pickle op(int... bytes) {
            for (int b : bytes) out.write(b);
            return this;
        }

        Pickle proto() {
            return op(0x80, 2);
        }

        Pickle mark() {
            return op('(');
        }

        Pickle global(String module, String name) {
            op('c');
            out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
            return this;
        }

        Pickle str(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            op('X');
            out.writeBytes(ByteBuffer.allocate(4)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putInt(b.length)
                    .array());
            out.writeBytes(b);
            return this;
        }

        Pickle integer(int v) {
            op('J');
            out.writeBytes(ByteBuffer.allocate(4)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putInt(v)
                    .array());
            return this;
        }

        Pickle ints(int... values) {
            if (values.length == 0) return op(')');
            mark();
            for (int v : values) integer(v);
            return op('t');
        }

        Pickle orderedDict() {
            return global("collections", "OrderedDict").op(')', 'R');
        }

        /** {@code _rebuild_tensor_v2(storage key, FloatStorage of n elements, offset, size, stride, False, {})}. */
        Pickle tensor(String key, int storageElements, int offset, int[] size, int[] stride) {
            global("torch._utils", "_rebuild_tensor_v2").mark();
            mark().str("storage")
                    .global("torch", "FloatStorage")
                    .str(key)
                    .str("cpu")
                    .integer(storageElements)
                    .op('t');
            op('Q').integer(offset).ints(size).ints(stride).op(0x89).orderedDict();
            return op('t', 'R');
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }

    private TorchFiles() {}

    /** A state dict pickle {name: tensor over storage "0"} ending in STOP. */
    static byte[] stateDict(String name, int storageElements, int offset, int[] size, int[] stride) {
        return new Pickle()
                .proto()
                .orderedDict()
                .mark()
                .str(name)
                .tensor("0", storageElements, offset, size, stride)
                .op('u', '.')
                .bytes();
    }

    /** torch.save's zip container: {@code archive/data.pkl}, {@code archive/data/<key>}, all stored uncompressed. */
    static void writeZip(Path path, byte[] pickle, Map<String, byte[]> storages) throws IOException {
        try (OutputStream os = Files.newOutputStream(path);
                ZipOutputStream zip = new ZipOutputStream(os)) {
            stored(zip, "archive/data.pkl", pickle);
            for (Map.Entry<String, byte[]> e : storages.entrySet())
                stored(zip, "archive/data/" + e.getKey(), e.getValue());
            stored(zip, "archive/version", "3\n".getBytes(StandardCharsets.US_ASCII));
        }
    }

    private static void stored(ZipOutputStream zip, String name, byte[] data) throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        e.setSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        e.setCrc(crc.getValue());
        zip.putNextEntry(e);
        zip.write(data);
        zip.closeEntry();
    }

    /** The legacy container: magic, protocol, sys info and data pickles, the key list, then each storage. */
    static void writeLegacy(Path path, byte[] dataPickle, String key, float[] storage) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new Pickle()
                .proto()
                .op(0x8a, 10, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19)
                .op('.')
                .bytes());
        out.writeBytes(new Pickle().proto().op('M', 0xe9, 0x03, '.').bytes());
        out.writeBytes(new Pickle()
                .proto()
                .op('}')
                .str("little_endian")
                .op(0x88, 's', '.')
                .bytes());
        out.writeBytes(dataPickle);
        out.writeBytes(new Pickle().proto().op(']').str(key).op('a', '.').bytes());
        ByteBuffer b = ByteBuffer.allocate(8 + 4 * storage.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(storage.length);
        for (float f : storage) b.putFloat(f);
        out.writeBytes(b.array());
        Files.write(path, out.toByteArray());
    }

    static byte[] floats(float... values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : values) b.putFloat(f);
        return b.array();
    }
}
