package gpt2j.weights;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * A named view of tensor bytes. {@code shape} is row-major, outermost first (PyTorch order):
 * a matrix stored as {@code shape = {rows, cols}} has each row's {@code cols} values contiguous.
 * {@code data} is usually a slice of a memory-mapped file; nothing is copied.
 */
public record Tensor(String name, GgmlType type, long[] shape, MemorySegment data) {

    public Tensor {
        if (data.byteSize() != type.byteSize(count(shape))) {
            throw new IllegalArgumentException("tensor " + name + ": " + data.byteSize() + " bytes do not hold " + type
                    + " " + Arrays.toString(shape));
        }
    }

    public long size() {
        return count(shape);
    }

    public int rank() {
        return shape.length;
    }

    public long dim(int i) {
        return shape[i];
    }

    public static long count(long[] shape) {
        long n = 1;
        for (long d : shape) n = Math.multiplyExact(n, d);
        return n;
    }

    @Override
    public String toString() {
        return name + " " + type + Arrays.toString(shape);
    }
}
