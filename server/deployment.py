"""Where a site's server runs from: its site file, store and instance folder, checked before
anything is served.

Outside `--demo` nothing is guessed: the site file is `--site`, else `$QMS_CONFIG`, else
`/etc/qms/site.toml`; its `[server]` table names the instance folder and the store (options
override it). A command that lacks them stops with a reason, in Vietnamese and English, so a
production store never receives the demo site's events and no instance folder lands in the
source checkout. `--demo` uses the demo site and a folder in the user's state directory.
"""
import dataclasses
import importlib
import os
import socket

from .site_file import DEMO_SITE, SiteFileProblem, load_site_file

CONFIG_FILE = "/etc/qms/site.toml"


class NotDeployable(Exception):
    """A reason the command cannot run; `lines` are ready to print."""

    def __init__(self, *lines):
        self.lines = list(lines)
        super().__init__("\n".join(self.lines))


@dataclasses.dataclass(frozen=True)
class Place:
    site_file: str
    instance: str
    store: str
    public_base_url: str | None
    message_queue: str | None
    trusted_proxies: tuple = ()

    def app_config(self):
        config = {"SITE_FILE": self.site_file, "STORE_URL": self.store}
        if self.message_queue:
            config["MESSAGE_QUEUE"] = self.message_queue
        if self.trusted_proxies:
            config["TRUSTED_PROXIES"] = list(self.trusted_proxies)
        return config


def demo_instance():
    state = os.environ.get("XDG_STATE_HOME") or os.path.expanduser("~/.local/state")
    return os.path.join(state, "qms", "demo")


def resolve(site=None, store=None, instance=None, demo=False, public_base_url=None,
            message_queue=None):
    """The Place a command acts on, or NotDeployable / SiteFileProblem saying what is missing."""
    if demo:
        site_file = site or DEMO_SITE
    else:
        site_file = site or os.environ.get("QMS_CONFIG") or CONFIG_FILE
        if not os.path.exists(site_file):
            raise NotDeployable(
                f"{site_file}: không có tệp cấu hình điểm cấp; dùng --site TỆP, biến QMS_CONFIG "
                f"hoặc tạo {CONFIG_FILE} (thử nghiệm: qms serve --demo) — no site file: pass "
                f"--site FILE, set QMS_CONFIG or create {CONFIG_FILE} (to try it: qms serve --demo)")
    _, server = load_site_file(site_file)
    instance = instance or server.instance or (demo_instance() if demo else None)
    if not instance:
        raise NotDeployable(
            f"{site_file}: chưa có thư mục dữ liệu; thêm instance = \"/var/lib/qms\" vào [server] "
            "hoặc dùng --instance THƯ_MỤC — no instance folder: add instance = \"/var/lib/qms\" "
            "to [server] or pass --instance DIR")
    instance = os.path.abspath(instance)
    store = store or server.store or "sqlite:///" + os.path.join(instance, "qms.sqlite3")
    return Place(site_file=os.path.abspath(site_file), instance=instance, store=store,
                 public_base_url=public_base_url or server.public_base_url,
                 message_queue=message_queue or server.message_queue,
                 trusted_proxies=tuple(server.trusted_proxies))


# A backend named by URL scheme, the module it needs and the extra that installs it.
BACKENDS = (("postgresql", "psycopg", "postgres"), ("redis", "redis", "redis"))


def check_backends(place):
    """Refuse at start when a configured backend's driver is not installed (rather than
    failing on the first ticket, or never updating a display)."""
    missing = []
    for url in (place.store, place.message_queue):
        scheme = (url or "").split(":", 1)[0].split("+", 1)[0]
        for name, module, extra in BACKENDS:
            if scheme == name and not _importable(module):
                missing.append(
                    f"{mask_url(url)}: thiếu gói Python '{module}'; cài: pip install "
                    f"'qms-cccd[{extra}]' — the Python package '{module}' is missing; install "
                    f"it: pip install 'qms-cccd[{extra}]'")
    if missing:
        raise NotDeployable(*missing)


def _importable(module):
    try:
        importlib.import_module(module)
    except ImportError:
        return False
    return True


def mask_url(url):
    """A URL fit for a banner or a log: its password replaced by ***."""
    if not url or "://" not in url:
        return url
    from sqlalchemy.engine import make_url
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - not a database URL (redis://…): mask by hand
        scheme, rest = url.split("://", 1)
        credentials, at, host = rest.rpartition("@")
        if at and ":" in credentials:
            credentials = credentials.split(":", 1)[0] + ":***"
        return f"{scheme}://{credentials}{at}{host}"


def lan_addresses():
    """This machine's IPv4 addresses other than loopback (the ones phones on the LAN reach).
    Read from the interfaces themselves: the host name often resolves to 127.0.1.1."""
    import fcntl
    import struct
    found = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        for _, name in socket.if_nameindex():
            try:
                packed = fcntl.ioctl(probe.fileno(), 0x8915,  # SIOCGIFADDR
                                     struct.pack("256s", name.encode()[:15]))
            except OSError:
                continue  # an interface without an IPv4 address
            address = socket.inet_ntoa(packed[20:24])
            if not address.startswith("127."):
                found.append(address)
    return found


def port_taken(host, port):
    """Refuse a port another process listens on. The bind test sets SO_REUSEADDR only (as
    every server does) and never SO_REUSEPORT, with which the kernel would share the port."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            return port_in_use(host, port, exc)
    return None


def port_in_use(host, port, exc):
    return NotDeployable(
        f"{host}:{port}: cổng đang được một chương trình khác dùng (có thể là một máy chủ qms "
        f"khác); chọn --port khác hoặc dừng chương trình đó — the port is in use "
        f"({exc.strerror}), perhaps by another qms server: choose another --port or stop it")


__all__ = ["CONFIG_FILE", "NotDeployable", "Place", "SiteFileProblem", "check_backends",
           "demo_instance", "lan_addresses", "mask_url", "port_in_use", "port_taken", "resolve"]
