"""An embedded, PagerDuty-compatible server with a generated demo account, for ``--demo`` and the tests."""

from pdtray.demo.account import DEMO_USER_EMAIL, Account, build_account
from pdtray.demo.api import DEMO_TOKEN
from pdtray.demo.server import DemoServer

__all__ = ["DEMO_TOKEN", "DEMO_USER_EMAIL", "Account", "DemoServer", "build_account"]
