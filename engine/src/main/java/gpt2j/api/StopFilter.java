package gpt2j.api;

import java.util.List;

/**
 * Cuts streamed text at the first stop string. Text that could still grow into a stop string is held back, so neither
 * the stop string nor anything after it is ever printed.
 */
final class StopFilter {

    private final List<String> stops;
    private final StringBuilder pending = new StringBuilder();
    private boolean stopped;

    StopFilter(List<String> stops) {
        for (String s : stops) {
            if (s.isEmpty()) {
                throw new IllegalArgumentException("stop strings must not be empty");
            }
        }
        this.stops = List.copyOf(stops);
    }

    /** Adds decoded text; returns what is safe to print now (possibly empty). */
    String accept(String text) {
        if (stopped) {
            return "";
        }
        pending.append(text);
        int cut = -1;
        for (String stop : stops) {
            int i = pending.indexOf(stop);
            if (i >= 0 && (cut < 0 || i < cut)) {
                cut = i;
            }
        }
        if (cut >= 0) {
            stopped = true;
            String out = pending.substring(0, cut);
            pending.setLength(0);
            return out;
        }
        int hold = heldBack();
        String out = pending.substring(0, pending.length() - hold);
        pending.delete(0, pending.length() - hold);
        return out;
    }

    boolean stopped() {
        return stopped;
    }

    /** Generation ended without a stop string: the held-back text is ordinary text after all. */
    String finish() {
        String out = pending.toString();
        pending.setLength(0);
        return out;
    }

    /** Length of the longest suffix of pending that is a proper prefix of some stop string. */
    private int heldBack() {
        int best = 0;
        int n = pending.length();
        for (String stop : stops) {
            for (int k = Math.min(stop.length() - 1, n); k > best; k--) {
                if (endsWithPrefix(stop, k)) {
                    best = k;
                    break;
                }
            }
        }
        return best;
    }

    private boolean endsWithPrefix(String stop, int k) {
        int start = pending.length() - k;
        for (int i = 0; i < k; i++) {
            if (pending.charAt(start + i) != stop.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
