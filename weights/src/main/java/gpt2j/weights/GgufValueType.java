package gpt2j.weights;

/** The type ids of GGUF metadata values (gguf_type in ggml's gguf.h), one spelling for the reader and the writer. */
final class GgufValueType {

    static final int UINT8 = 0;
    static final int INT8 = 1;
    static final int UINT16 = 2;
    static final int INT16 = 3;
    static final int UINT32 = 4;
    static final int INT32 = 5;
    static final int FLOAT32 = 6;
    static final int BOOL = 7;
    static final int STRING = 8;
    static final int ARRAY = 9;
    static final int UINT64 = 10;
    static final int INT64 = 11;
    static final int FLOAT64 = 12;

    private GgufValueType() {}
}
