"""Contract enums; values equal the strings stored in the database."""

from enum import Enum

import strawberry


@strawberry.enum
class RenewScope(Enum):
    FULL = "FULL"
    RTC_ONLY = "RTC_ONLY"
    IM_ONLY = "IM_ONLY"


@strawberry.enum
class AccountType(Enum):
    OWNER = "OWNER"
    SUB_USER = "SUB_USER"
    COLLABORATOR = "COLLABORATOR"


@strawberry.enum
class AccountStatus(Enum):
    NORMAL = "NORMAL"
    ARREARS = "ARREARS"
    SUSPENDED = "SUSPENDED"
    BANNED = "BANNED"


@strawberry.enum
class PackageStatus(Enum):
    TRIAL = "TRIAL"
    ACTIVE = "ACTIVE"
    EXPIRED = "EXPIRED"
    TRIAL_ENDED = "TRIAL_ENDED"
    REFUNDED = "REFUNDED"
    RECLAIMED = "RECLAIMED"


@strawberry.enum
class OrderKind(Enum):
    PURCHASE = "PURCHASE"
    RENEWAL = "RENEWAL"
    UPGRADE = "UPGRADE"
    AUTO_RENEWAL = "AUTO_RENEWAL"
    POSTPAID = "POSTPAID"
    ALIGNMENT = "ALIGNMENT"


@strawberry.enum
class OrderStatus(Enum):
    PAID = "PAID"
    REFUNDED = "REFUNDED"


@strawberry.enum
class RefundStatus(Enum):
    PENDING_REVIEW = "PENDING_REVIEW"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


@strawberry.enum
class Role(Enum):
    CUSTOMER = "CUSTOMER"
    PARTNER = "PARTNER"
    SERVICE = "SERVICE"
    OPERATOR = "OPERATOR"


@strawberry.enum
class UsageKind(Enum):
    AUDIO = "AUDIO"
    VIDEO_SD = "VIDEO_SD"
    VIDEO_HD = "VIDEO_HD"
    VIDEO_FHD = "VIDEO_FHD"
    VIDEO_2K = "VIDEO_2K"
    VIDEO_4K = "VIDEO_4K"


@strawberry.enum
class AppStatus(Enum):
    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"
    BANNED = "BANNED"
    RECLAIMED = "RECLAIMED"


@strawberry.enum
class ServiceReason(Enum):
    NO_PACKAGE = "NO_PACKAGE"
    EXPIRED = "EXPIRED"
    ARREARS = "ARREARS"
    REFUNDED = "REFUNDED"
    RECLAIMED = "RECLAIMED"
    BANNED = "BANNED"


@strawberry.enum
class RenewFlag(Enum):
    AUTO_RENEW = "AUTO_RENEW"
    MANUAL_RENEW = "MANUAL_RENEW"
    NO_RENEW = "NO_RENEW"
