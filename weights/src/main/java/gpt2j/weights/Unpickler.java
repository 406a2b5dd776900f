package gpt2j.weights;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.math.BigInteger;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A pickle reader for PyTorch state dicts that never runs code. It interprets the opcodes {@code torch.save} writes
 * (protocol 2, plus the few protocol 4 framing ones) and nothing else; GLOBAL may name only the callables a state dict
 * needs, and REDUCE "calls" them by building plain records here. Any other opcode or global is refused by name.
 * <p>
 * Nothing is sized by a number read from the pickle: strings are bounded by the bytes left, containers grow one
 * opcode at a time, and the memo, the value stack, MARK nesting and container nesting are capped.
 */
final class Unpickler {

    static final int MAX_DEPTH = 64;
    static final int MAX_MEMO = 1 << 20;
    static final int MAX_STACK = 1 << 20;

    /** torch's typed storages: what a persistent id names as the element type of a storage. */
    enum StorageType {
        FloatStorage(4, GgmlType.F32),
        HalfStorage(2, GgmlType.F16),
        BFloat16Storage(2, GgmlType.BF16),
        DoubleStorage(8, null),
        LongStorage(8, null),
        IntStorage(4, null),
        ShortStorage(2, null),
        CharStorage(1, null),
        ByteStorage(1, null),
        BoolStorage(1, null);

        final int elementBytes;
        final GgmlType type; // null: a type gpt2j cannot use as weights (masks, counters)

        StorageType(int elementBytes, GgmlType type) {
            this.elementBytes = elementBytes;
            this.type = type;
        }
    }

    /** The other callables a state dict's pickle may name. */
    enum Callable {
        ORDERED_DICT("collections.OrderedDict"),
        REBUILD_TENSOR_V2("torch._utils._rebuild_tensor_v2"),
        REBUILD_PARAMETER("torch._utils._rebuild_parameter"),
        REBUILD_PARAMETER_WITH_STATE("torch._utils._rebuild_parameter_with_state");

        final String qualifiedName;

        Callable(String qualifiedName) {
            this.qualifiedName = qualifiedName;
        }
    }

    /** {@code elements} of {@code type} starting {@code offset} elements into the bytes stored under {@code key}. */
    record Storage(String key, StorageType type, long elements, long offset) {}

    /** What {@code _rebuild_tensor_v2} describes: a strided view of a storage (offset in elements). */
    record TensorRef(Storage storage, long offset, long[] size, long[] stride) {}

    record Tuple(List<Object> items, int depth) {}

    static final class PyList {
        final List<Object> items = new ArrayList<>();
        int depth = 1;
    }

    static final class PyDict {
        final Map<Object, Object> items = new LinkedHashMap<>();
        int depth = 1;
    }

    private static final Object MARK = new Object();
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64_BE =
            ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private final String where;
    private final MemorySegment in;
    private final long end;
    private final Function<Tuple, Storage> persistentLoad;
    private long pos;
    private final List<Object> stack = new ArrayList<>();
    private final List<Integer> marks = new ArrayList<>();
    private final Map<Long, Object> memo = new HashMap<>();

    /**
     * Reads pickles from {@code in[start, end)}; {@code where} starts every error message; {@code persistentLoad} turns
     * a persistent id into a storage (it validates and throws its own errors).
     */
    Unpickler(String where, MemorySegment in, long start, long end, Function<Tuple, Storage> persistentLoad) {
        this.where = where;
        this.in = in;
        this.pos = start;
        this.end = end;
        this.persistentLoad = persistentLoad;
    }

    /** Position after the last pickle read (the legacy format stores several pickles back to back). */
    long position() {
        return pos;
    }

    /** Reads one pickle up to its STOP opcode and returns its value. */
    Object load() {
        stack.clear();
        marks.clear();
        memo.clear();
        while (true) {
            long at = pos;
            int op = u8();
            switch (op) {
                case 0x80 -> { // PROTO
                    int proto = u8();
                    if (proto > 5) throw bad("pickle protocol " + proto + " is unknown");
                }
                case 0x95 -> bytes(8); // FRAME: a length hint for buffered readers, nothing to do here
                case '.' -> { // STOP
                    Object v = pop();
                    if (!marks.isEmpty() || !stack.isEmpty()) throw bad("pickle ends with values left on its stack");
                    return v;
                }
                case '(' -> {
                    if (marks.size() >= MAX_DEPTH) throw bad("pickle nesting is deeper than " + MAX_DEPTH);
                    marks.add(stack.size());
                    stack.add(MARK);
                }
                case '}' -> push(new PyDict());
                case ']' -> push(new PyList());
                case ')' -> push(new Tuple(List.of(), 1));
                case 't' -> push(tuple(popMark()));
                case 0x85, 0x86, 0x87 -> { // TUPLE1..3
                    int n = op - 0x84;
                    if (stack.size() < n || lastMark() > stack.size() - n) throw bad(opName(op) + " on too few values");
                    List<Object> items = new ArrayList<>(stack.subList(stack.size() - n, stack.size()));
                    for (int i = 0; i < n; i++) stack.removeLast();
                    push(tuple(items));
                }
                case 'q' -> memoPut(u8());
                case 'r' -> memoPut(u32());
                case 0x94 -> memoPut(memo.size()); // MEMOIZE
                case 'h' -> memoGet(u8());
                case 'j' -> memoGet(u32());
                case 'J' -> push((long) in.get(I32, bytes(4)));
                case 'K' -> push((long) u8());
                case 'M' -> push((long) (u8() | u8() << 8));
                case 0x8a -> push(long1());
                case 'N' -> push(null);
                case 0x88 -> push(Boolean.TRUE);
                case 0x89 -> push(Boolean.FALSE);
                case 'G' -> push(in.get(F64_BE, bytes(8)));
                case 'X' -> push(text(u32(), true));
                case 0x8c -> push(text(u8(), true)); // SHORT_BINUNICODE
                case 'T' -> push(text(u32(), false)); // BINSTRING: Python 2's str, from checkpoints that old
                case 'U' -> push(text(u8(), false)); // SHORT_BINSTRING
                case 'c' -> push(global(line(), line()));
                case 0x93 -> { // STACK_GLOBAL
                    Object name = pop(), module = pop();
                    if (!(module instanceof String m) || !(name instanceof String n)) {
                        throw bad("STACK_GLOBAL needs two strings");
                    }
                    push(global(m, n));
                }
                case 'Q' -> { // BINPERSID
                    if (!(pop() instanceof Tuple pid)) throw bad("a persistent id that is not a tuple");
                    push(persistentLoad.apply(pid));
                }
                case 'R' -> {
                    Object args = pop();
                    push(call(pop(), args));
                }
                case 'b' -> build();
                case 's' -> {
                    Object value = pop(), key = pop();
                    setItem(top("SETITEM"), key, value);
                }
                case 'u' -> {
                    List<Object> kv = popMark();
                    if (kv.size() % 2 != 0) throw bad("SETITEMS with an odd number of values");
                    Object dict = top("SETITEMS");
                    for (int i = 0; i < kv.size(); i += 2) setItem(dict, kv.get(i), kv.get(i + 1));
                }
                case 'a' -> {
                    Object value = pop();
                    append(top("APPEND"), value);
                }
                case 'e' -> {
                    List<Object> values = popMark();
                    Object list = top("APPENDS");
                    for (Object v : values) append(list, v);
                }
                case '0' -> pop();
                case '1' -> popMark();
                case '2' -> push(top("DUP"));
                default -> throw bad("refuses pickle opcode " + opName(op) + " at byte " + at);
            }
        }
    }

    private Object global(String module, String name) {
        String qualified = module + "." + name;
        if (module.equals("torch")) {
            for (StorageType t : StorageType.values()) {
                if (t.name().equals(name)) return t;
            }
        }
        for (Callable c : Callable.values()) {
            if (c.qualifiedName.equals(qualified)) return c;
        }
        throw bad("refuses global " + printable(qualified) + " (a state dict needs only torch's tensor rebuilders, "
                + "typed storages and collections.OrderedDict; loading this file with torch.load could run code)");
    }

    private Object call(Object callable, Object argObject) {
        if (!(callable instanceof Callable c))
            throw bad("REDUCE on " + kind(callable) + ", which is not callable here");
        if (!(argObject instanceof Tuple argTuple))
            throw bad("REDUCE arguments to " + c.qualifiedName + " are not a tuple");
        List<Object> args = argTuple.items();
        return switch (c) {
            case ORDERED_DICT -> {
                if (!args.isEmpty()) throw bad("collections.OrderedDict called with arguments");
                yield new PyDict();
            }
            case REBUILD_TENSOR_V2 -> {
                if (args.size() < 6 || args.size() > 7)
                    throw bad(c.qualifiedName + " with " + args.size() + " arguments");
                if (!(args.get(0) instanceof Storage s)) throw bad(c.qualifiedName + " of " + kind(args.get(0)));
                yield tensor(s, args.get(1), args.get(2), args.get(3));
            }
            case REBUILD_PARAMETER, REBUILD_PARAMETER_WITH_STATE -> {
                int n = c == Callable.REBUILD_PARAMETER ? 3 : 4;
                if (args.size() != n || !(args.get(0) instanceof TensorRef t)) {
                    throw bad(c.qualifiedName + " needs a tensor and " + (n - 1) + " more arguments");
                }
                yield t;
            }
        };
    }

    /** A view of {@code s}, checked to lie inside it. */
    private TensorRef tensor(Storage s, Object offsetObject, Object sizeObject, Object strideObject) {
        if (!(offsetObject instanceof Long offset) || offset < 0)
            throw bad("tensor storage offset " + scalar(offsetObject));
        long[] size = longs(sizeObject, "size"), stride = longs(strideObject, "stride");
        if (size.length != stride.length) throw bad("tensor size and stride differ in rank");
        try {
            long last = offset; // element index of the view's last element
            long count = 1;
            for (int i = 0; i < size.length; i++) {
                count = Math.multiplyExact(count, size[i]);
                if (size[i] > 0) last = Math.addExact(last, Math.multiplyExact(size[i] - 1, stride[i]));
            }
            if (count > 0 && last >= s.elements()) {
                throw bad("a tensor reaches element " + last + " of storage " + printable(s.key()) + ", which holds "
                        + s.elements());
            }
        } catch (ArithmeticException e) {
            throw bad("tensor shape overflows");
        }
        return new TensorRef(s, offset, size, stride);
    }

    private long[] longs(Object o, String what) {
        if (!(o instanceof Tuple t) || t.items().size() > 16)
            throw bad("tensor " + what + " is not a tuple of at most 16");
        long[] out = new long[t.items().size()];
        for (int i = 0; i < out.length; i++) {
            if (!(t.items().get(i) instanceof Long v) || v < 0)
                throw bad("tensor " + what + " holds " + scalar(t.items().get(i)));
            out[i] = v;
        }
        return out;
    }

    /** BUILD sets an object's state: torch only does it to put {@code _metadata} on the state dict, which we ignore. */
    private void build() {
        Object state = pop();
        Object target = top("BUILD");
        if (!(target instanceof PyDict) && !(target instanceof TensorRef)) throw bad("BUILD on " + kind(target));
        if (state != null && !(state instanceof PyDict) && !(state instanceof Tuple))
            throw bad("BUILD with " + kind(state));
    }

    private void setItem(Object dict, Object key, Object value) {
        if (!(dict instanceof PyDict d)) throw bad("SETITEM on " + kind(dict));
        // Python refuses lists and dicts as keys; a tuple could be a memo-built DAG whose hashCode takes 2^depth steps.
        if (!(key == null
                || key instanceof String
                || key instanceof Long
                || key instanceof BigInteger
                || key instanceof Boolean
                || key instanceof Double)) {
            throw bad("a dict key that is " + kind(key) + " (a state dict's keys are strings)");
        }
        d.depth = nest(d.depth, value);
        d.items.put(key, value);
    }

    private void append(Object list, Object value) {
        if (!(list instanceof PyList l)) throw bad("APPEND on " + kind(list));
        l.depth = nest(l.depth, value);
        l.items.add(value);
    }

    private Tuple tuple(List<Object> items) {
        int depth = 1;
        for (Object o : items) depth = nest(depth, o);
        return new Tuple(Collections.unmodifiableList(new ArrayList<>(items)), depth); // may hold None (null)
    }

    private int nest(int depth, Object child) {
        int d = 1
                + switch (child) {
                    case Tuple t -> t.depth();
                    case PyList l -> l.depth;
                    case PyDict m -> m.depth;
                    case null, default -> 0;
                };
        if (d > MAX_DEPTH) throw bad("pickle nesting is deeper than " + MAX_DEPTH);
        return Math.max(depth, d);
    }

    private void memoPut(long index) {
        if (memo.size() >= MAX_MEMO && !memo.containsKey(index))
            throw bad("pickle memo exceeds " + MAX_MEMO + " entries");
        memo.put(index, top("PUT"));
    }

    private void memoGet(long index) {
        if (!memo.containsKey(index)) throw bad("pickle reads memo entry " + index + ", which was never stored");
        push(memo.get(index));
    }

    private void push(Object v) {
        if (stack.size() >= MAX_STACK) throw bad("pickle stack exceeds " + MAX_STACK + " values");
        stack.add(v);
    }

    private Object pop() {
        if (stack.isEmpty() || stack.getLast() == MARK) throw bad("pickle pops from an empty stack");
        return stack.removeLast();
    }

    private Object top(String op) {
        if (stack.isEmpty() || stack.getLast() == MARK) throw bad(op + " on an empty stack");
        return stack.getLast();
    }

    private int lastMark() {
        return marks.isEmpty() ? 0 : marks.getLast() + 1;
    }

    private List<Object> popMark() {
        if (marks.isEmpty()) throw bad("pickle closes a MARK it never opened");
        int m = marks.removeLast();
        List<Object> items = new ArrayList<>(stack.subList(m + 1, stack.size()));
        while (stack.size() > m) stack.removeLast();
        return items;
    }

    private Object long1() {
        int n = u8();
        if (n > 16) throw bad("an integer of " + n + " bytes");
        byte[] le = in.asSlice(bytes(n), n).toArray(ValueLayout.JAVA_BYTE);
        byte[] be = new byte[Math.max(n, 1)];
        for (int i = 0; i < n; i++) be[n - 1 - i] = le[i];
        BigInteger v = new BigInteger(be);
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private String text(long length, boolean utf8) {
        long at = bytes(length);
        byte[] b = in.asSlice(at, length).toArray(ValueLayout.JAVA_BYTE);
        if (!utf8) return new String(b, StandardCharsets.ISO_8859_1);
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(b))
                    .toString();
        } catch (CharacterCodingException e) {
            throw bad("a string at byte " + at + " is not UTF-8");
        }
    }

    /** A newline-terminated ASCII line (GLOBAL's module and name). */
    private String line() {
        StringBuilder sb = new StringBuilder();
        while (true) {
            int c = u8();
            if (c == '\n') return sb.toString();
            if (sb.length() >= 256) throw bad("a GLOBAL name longer than 256 bytes");
            sb.append((char) c);
        }
    }

    private int u8() {
        return Byte.toUnsignedInt(in.get(ValueLayout.JAVA_BYTE, bytes(1)));
    }

    private long u32() {
        return Integer.toUnsignedLong(in.get(I32, bytes(4)));
    }

    /** Claims the next {@code n} bytes and returns where they start; the pickle must hold them. */
    private long bytes(long n) {
        if (n > end - pos) throw bad("pickle is truncated at byte " + pos + " (needs " + n + " more bytes)");
        long at = pos;
        pos += n;
        return at;
    }

    private WeightsException bad(String what) {
        return new WeightsException(where + ": " + what);
    }

    private static String kind(Object o) {
        return switch (o) {
            case null -> "None";
            case Tuple t -> "a tuple";
            case PyList l -> "a list";
            case PyDict d -> "a dict";
            case TensorRef t -> "a tensor";
            case Storage s -> "a storage";
            case StorageType t -> "torch." + t.name();
            case Callable c -> c.qualifiedName;
            case String s -> "a string";
            default -> "a " + o.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT);
        };
    }

    /**
     * A value from the file for an error message: numbers as they are, strings printable, anything else by kind (a
     * container's toString could be exponential: the memo lets a pickle nest one tuple twice in the next, 64 deep).
     */
    static String scalar(Object o) {
        return switch (o) {
            case Long l -> l.toString();
            case Boolean b -> b.toString();
            case Double d -> d.toString();
            case String s -> printable(s);
            case null, default -> kind(o);
        };
    }

    /** A name from the file, safe to print on one line. */
    static String printable(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length() && i < 200; i++) {
            char c = s.charAt(i);
            sb.append(c >= 0x20 && c < 0x7f ? String.valueOf(c) : String.format("\\x%02x", (int) c & 0xff));
        }
        return s.length() > 200 ? sb + "..." : sb.toString();
    }

    private static String opName(int op) {
        String name = switch (op) {
            case '(' -> "MARK";
            case '.' -> "STOP";
            case '0' -> "POP";
            case '1' -> "POP_MARK";
            case '2' -> "DUP";
            case 'F' -> "FLOAT";
            case 'I' -> "INT";
            case 'J' -> "BININT";
            case 'K' -> "BININT1";
            case 'L' -> "LONG";
            case 'M' -> "BININT2";
            case 'N' -> "NONE";
            case 'P' -> "PERSID";
            case 'Q' -> "BINPERSID";
            case 'R' -> "REDUCE";
            case 'S' -> "STRING";
            case 'T' -> "BINSTRING";
            case 'U' -> "SHORT_BINSTRING";
            case 'V' -> "UNICODE";
            case 'X' -> "BINUNICODE";
            case 'a' -> "APPEND";
            case 'b' -> "BUILD";
            case 'c' -> "GLOBAL";
            case 'd' -> "DICT";
            case '}' -> "EMPTY_DICT";
            case 'e' -> "APPENDS";
            case 'g' -> "GET";
            case 'h' -> "BINGET";
            case 'i' -> "INST";
            case 'j' -> "LONG_BINGET";
            case 'l' -> "LIST";
            case ']' -> "EMPTY_LIST";
            case 'o' -> "OBJ";
            case 'p' -> "PUT";
            case 'q' -> "BINPUT";
            case 'r' -> "LONG_BINPUT";
            case 's' -> "SETITEM";
            case 't' -> "TUPLE";
            case ')' -> "EMPTY_TUPLE";
            case 'u' -> "SETITEMS";
            case 'G' -> "BINFLOAT";
            case 'B' -> "BINBYTES";
            case 'C' -> "SHORT_BINBYTES";
            case 0x80 -> "PROTO";
            case 0x81 -> "NEWOBJ";
            case 0x82 -> "EXT1";
            case 0x83 -> "EXT2";
            case 0x84 -> "EXT4";
            case 0x85 -> "TUPLE1";
            case 0x86 -> "TUPLE2";
            case 0x87 -> "TUPLE3";
            case 0x88 -> "NEWTRUE";
            case 0x89 -> "NEWFALSE";
            case 0x8a -> "LONG1";
            case 0x8b -> "LONG4";
            case 0x8c -> "SHORT_BINUNICODE";
            case 0x8d -> "BINUNICODE8";
            case 0x8e -> "BINBYTES8";
            case 0x8f -> "EMPTY_SET";
            case 0x90 -> "ADDITEMS";
            case 0x91 -> "FROZENSET";
            case 0x92 -> "NEWOBJ_EX";
            case 0x93 -> "STACK_GLOBAL";
            case 0x94 -> "MEMOIZE";
            case 0x95 -> "FRAME";
            case 0x96 -> "BYTEARRAY8";
            case 0x97 -> "NEXT_BUFFER";
            case 0x98 -> "READONLY_BUFFER";
            default -> null;
        };
        return name == null
                ? String.format("0x%02x (not a pickle opcode)", op)
                : String.format("%s (0x%02x)", name, op);
    }
}
