"""OpenSSH's server in a lab instance: ``vpcsim lab exec --ssh INSTANCE``.

The tutorial ends with a person connecting: SSH to the bastion, from there to the private
instance. The responder greets SSH clients with a banner only; this starts Debian's real
``sshd`` (package ``openssh-server``, ``scripts/install-lab-deps.sh``) inside an instance's
namespace on port 22 -- the responder stops answering there -- with a host key and a client key
of the lab (``/run/vpcsim/ssh-<lab>/``): ``ssh -i /run/vpcsim/ssh-<lab>/id_ed25519 root@ADDRESS``
from another namespace of the lab (``lab exec internet -- ssh ...``). It listens only inside the
lab's namespace: nothing of the host's network can reach it. ``lab down`` stops it.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
from pathlib import Path

from .errors import LabError
from .netns import namespace_path
from .state import STATE_DIR, LabState

SSHD = Path("/usr/sbin/sshd")


def ssh_dir(lab: str) -> Path:
    return STATE_DIR / f"ssh-{lab}"


def ssh_instances(lab: str) -> list[str]:
    """Instances of the lab that run ``sshd`` (the responder leaves their TCP port 22 alone)."""
    try:
        data = json.loads((ssh_dir(lab) / "instances.json").read_text())
    except (OSError, ValueError):
        return []
    return [str(x) for x in data] if isinstance(data, list) else []


def _record(lab: str, instances: list[str]) -> None:
    (ssh_dir(lab) / "instances.json").write_text(json.dumps(sorted(set(instances))))


def _keys(lab: str) -> Path:
    folder = ssh_dir(lab)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    for key in ("host_ed25519", "id_ed25519"):
        if not (folder / key).exists():
            subprocess.run(
                [
                    "ssh-keygen",
                    "-q",
                    "-t",
                    "ed25519",
                    "-N",
                    "",
                    "-C",
                    f"vpcsim-lab-{lab}",
                    "-f",
                    str(folder / key),
                ],
                check=True,
                capture_output=True,
            )
    (folder / "authorized_keys").write_text((folder / "id_ed25519.pub").read_text())
    return folder


def _config(folder: Path, instance_id: str) -> Path:
    path = folder / f"sshd-{instance_id}.conf"
    path.write_text(
        "\n".join(
            [
                "Port 22",
                "ListenAddress 0.0.0.0",
                f"HostKey {folder / 'host_ed25519'}",
                f"PidFile {folder / f'sshd-{instance_id}.pid'}",
                f"AuthorizedKeysFile {folder / 'authorized_keys'}",
                "PermitRootLogin prohibit-password",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "UsePAM no",
                "StrictModes no",
                "UseDNS no",
                "",
            ]
        )
    )
    return path


def start_sshd(state: LabState, instance_id: str) -> dict[str, str]:
    """Start ``sshd`` in the instance's namespace (after the responder let go of port 22)."""
    if not SSHD.exists():
        raise LabError(
            "--ssh needs OpenSSH's server: install Debian's openssh-server (scripts/install-lab-deps.sh)"
        )
    instance = state.instances[instance_id]
    folder = _keys(state.name)
    config = _config(folder, instance_id)
    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege separation directory
    stop_sshd(state.name, instance_id)
    done = subprocess.run(
        # `ip netns exec`: the sessions resolve names with the instance's VPC resolver (.dns)
        ["ip", "netns", "exec", namespace_path(instance.namespace).name, str(SSHD), "-f", str(config)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise LabError(f"sshd did not start in {instance.namespace}: {done.stderr.strip()}")
    eni = instance.enis[0]
    private = eni.private_ips[0]
    return {
        "instance_id": instance_id,
        "key": str(folder / "id_ed25519"),
        "private_ip": private,
        "public_ip": eni.public_ips.get(private, ""),
    }


def _pid(lab: str, instance_id: str) -> int | None:
    path = ssh_dir(lab) / f"sshd-{instance_id}.pid"
    try:
        pid = int(path.read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError):
        return None
    return pid if b"sshd" in cmdline and str(ssh_dir(lab)).encode() in cmdline else None


def stop_sshd(lab: str, instance_id: str) -> bool:
    pid = _pid(lab, instance_id)
    if pid is None:
        return False
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    return True


def mark(lab: str, instance_id: str, on: bool) -> None:
    current = ssh_instances(lab)
    _keys(lab)
    _record(lab, [*current, instance_id] if on else [i for i in current if i != instance_id])


def stop_all(lab: str, keep: set[str] | None = None) -> None:
    """Stop the lab's ``sshd`` processes (all, or those of instances not in ``keep``)."""
    for instance_id in ssh_instances(lab):
        if keep is None or instance_id not in keep:
            stop_sshd(lab, instance_id)
            if keep is not None:
                mark(lab, instance_id, False)
    if keep is None:
        with contextlib.suppress(OSError):
            for path in ssh_dir(lab).iterdir():
                path.unlink()
            ssh_dir(lab).rmdir()
