"""Domain errors with the message built in; the API maps each family to one HTTP status."""


class DomainError(Exception):
    """Base class: the message is what the user reads (Vietnamese first)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    def __init__(self, what: str, ident: object):
        super().__init__(f"Không tìm thấy {what} (mã {ident}).")


class Invalid(DomainError):
    """Input that is well-formed but not acceptable (422)."""


class Conflict(DomainError):
    """The request clashes with the current state (409)."""


class Forbidden(DomainError):
    """The caller may not do this (403)."""

    def __init__(self, message: str = "Bạn không có quyền thực hiện thao tác này."):
        super().__init__(message)


class Gone(DomainError):
    """The thing existed but is no longer usable, e.g. an expired one-time code (410)."""


class TooMany(DomainError):
    """Rate limited (429); `retry_after_s` becomes the answer's Retry-After header."""

    def __init__(self, message: str, retry_after_s: int | None = None):
        super().__init__(message)
        self.retry_after_s = retry_after_s


class TooLarge(DomainError):
    """An upload over its size limit (413)."""


class Busy(DomainError):
    """The server is busy, not broken (503): the same request may be sent again after `retry_after_s`."""

    def __init__(self, message: str, retry_after_s: int):
        super().__init__(message)
        self.retry_after_s = retry_after_s
