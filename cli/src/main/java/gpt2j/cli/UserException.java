package gpt2j.cli;

/** A problem with the user's input found while running (not while parsing arguments): reported as one line, exit 1. */
final class UserException extends RuntimeException {
    UserException(String message) {
        super(message);
    }
}
