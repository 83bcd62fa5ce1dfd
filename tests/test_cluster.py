"""Both documented cluster routes on a real single-node Slurm (issue 13), and what a user meets
there: job-array shards + merge, Dask workers as Slurm jobs (dask-jobqueue), worker jobs that
cannot start, Ctrl-C and SIGTERM.

Slurm 22.05 and munge come from Debian's packages (``make test`` installs them, as it installs
Chromium); ``tests/slurm/recipe.sh`` starts the daemons without systemd in a few seconds and
``teardown.sh`` stops exactly the processes it started. The tests are skipped, saying why, only
where the packages cannot be installed or the daemons cannot be run (not root). One Slurm per
machine: a lock makes concurrent test runs on one machine take turns.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import CADRESIM, ROOT, cli_env

pytestmark = pytest.mark.cluster

SLURM_SCRIPTS = ROOT / "tests" / "slurm"
DOCS = ROOT / "docs" / "cluster"
#: A small Sobol sweep: 8 base points over 3 levers, 3 years, 200 cadres.
SWEEP = ["--method", "sobol", "--samples", "8", "--replicates", "1", "--params",
         "accountability_intensity,fault_tolerance,workload", "--years", "3", "--seed", "7",
         "--n-cadres", "200"]
#: The files that must be identical, byte for byte, on every route.
COMPARED = ("indices.csv", "diagnostics.csv", "runs/results.parquet")
LOCK = Path("/tmp/cadresim-slurm-test.lock")


def _installed() -> bool:
    return all(shutil.which(t) for t in ("slurmctld", "slurmd", "munged", "sbatch"))


@pytest.fixture(scope="module")
def slurm(tmp_path_factory):
    """A running single-node Slurm; yields the environment that reaches it (SLURM_CONF)."""
    if os.geteuid() != 0:
        pytest.skip("the Slurm daemons need root to start (and apt-get to install them)")
    if not _installed() and shutil.which("apt-get") is None:
        pytest.skip("Slurm is not installed and there is no apt-get to install it")
    lock = open(LOCK, "w")  # noqa: SIM115 - held for the module's tests
    deadline = time.monotonic() + 900
    while True:  # another test run on this machine may hold the one Slurm it can have
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() > deadline:
                pytest.fail("another test run held the machine's Slurm for 15 minutes")
            time.sleep(2)
    base = tmp_path_factory.mktemp("slurm")
    env = {**os.environ, "SLURM_BASE": str(base)}
    try:
        foreign = subprocess.run(["pgrep", "-x", "slurmctld"], capture_output=True, text=True)
        if foreign.stdout.strip():
            pytest.skip(f"a Slurm controller not started by these tests is running (pid "
                        f"{foreign.stdout.split()[0]}); its ports are taken")
        up = subprocess.run(["bash", str(SLURM_SCRIPTS / "recipe.sh")], env=env,
                            capture_output=True, text=True, timeout=900)
        if up.returncode != 0:
            tail = (up.stderr or up.stdout).strip().splitlines()[-3:]
            if not _installed():
                pytest.skip(f"slurm-wlm and munge could not be installed here: {tail}")
            subprocess.run(["bash", str(SLURM_SCRIPTS / "teardown.sh")], env=env, timeout=120)
            pytest.fail(f"Slurm did not start: {tail}; logs in {base}/log")
        yield {"SLURM_CONF": str(base / "etc" / "slurm.conf")}
    finally:
        subprocess.run(["bash", str(SLURM_SCRIPTS / "teardown.sh"), "--purge"], env=env,
                       capture_output=True, timeout=120)
        lock.close()


def slurm_cmd(env: dict, *args: str, cwd: Path | None = None) -> str:
    done = subprocess.run(list(args), capture_output=True, text=True, timeout=60, cwd=cwd,
                          env={**os.environ, **env}, check=True)
    return done.stdout.strip()


def wait_until_idle(env: dict, timeout: float = 300, logs: Path | None = None) -> None:
    """Wait until the queue is empty (every job finished or was cancelled). A job waiting on one
    that failed would wait for ever: the queue is cancelled at once (so that the next test starts
    from an empty one) and the failure shown with the ends of the jobs' logs in ``logs``."""
    deadline = time.monotonic() + timeout
    while queue := slurm_cmd(env, "squeue", "-h", "-o", "%i %r"):
        if "DependencyNeverSatisfied" in queue:
            shown = slurm_cmd(env, "squeue")
            slurm_cmd(env, "scancel", *(line.split()[0] for line in queue.splitlines()))
            tails = "".join(f"\n--- {f.name}: {f.read_text()[-600:]}"
                            for f in sorted(logs.glob("*.out"))) if logs else ""
            pytest.fail(f"a job's dependency failed:\n{shown}{tails}")
        assert time.monotonic() < deadline, slurm_cmd(env, "squeue")
        time.sleep(1)


def local_reference(work: Path) -> Path:
    out = work / "results" / "local"
    done = subprocess.run([*CADRESIM, "sensitivity", *SWEEP, "--out", str(out), "--quiet",
                           "--engine", "serial"], cwd=work, env=cli_env(),
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return out


def documented_array_script(venv: Path) -> str:
    """docs/cluster/sweep-array.sbatch, sized for one small node and this sweep; every line the
    user relies on (N written in, the shard of the array index, the merge step) is kept."""
    script = (DOCS / "sweep-array.sbatch").read_text()
    changes = {
        "#SBATCH --account=my-project\n": "",  # no accounts on this Slurm
        "--cpus-per-task=16": "--cpus-per-task=1",
        "--mem=16G": "--mem=500M",
        'source "$HOME/cadresim/.venv/bin/activate"\n':
            f'source "{venv}/bin/activate"\n'
            # The code under test, whatever `cadresim` the environment has installed.
            f'export PYTHONPATH="{ROOT}"\ncadresim() {{ python -m experiments.cli "$@"; }}\n',
        "\nN=32\n": "\nN=3\n",
        "--method sobol --samples 1024 --replicates 2 --params levers \\\n":
            " ".join(SWEEP) + " \\\n",
        "--out results/sobol-levers": "--out results/array",
    }
    for old, new in changes.items():
        assert old in script, f"the documented script no longer has {old!r}"
        script = script.replace(old, new)
    return script


def test_both_documented_routes_give_the_numbers_of_a_local_run(slurm, tmp_path):
    work = tmp_path
    local = local_reference(work)
    venv = Path(sys.executable).parent.parent
    assert (venv / "bin" / "activate").is_file(), "the tests run from a virtualenv"

    # (a) A job array of shards, then the same command without --shard as a dependent job.
    (work / "array.sbatch").write_text(documented_array_script(venv))
    (work / "logs").mkdir()  # as the documentation says: Slurm does not create it
    array = slurm_cmd(slurm, "sbatch", "--parsable", "--array=0-2", "array.sbatch", cwd=work)
    final_cmd = " ".join([*CADRESIM, "sensitivity", *SWEEP, "--out", "results/array",
                          "--quiet"])
    final = slurm_cmd(slurm, "sbatch", "--parsable", f"--dependency=afterok:{array}",
                      "--output=logs/final-%j.out", f"--export=ALL,PYTHONPATH={ROOT}",
                      "--wrap", final_cmd, cwd=work)

    # (b) Dask workers as Slurm jobs, from the documented config sized for this node.
    import yaml

    config = yaml.safe_load((DOCS / "slurm.yaml").read_text())
    cluster = config["cluster"]
    for key in ("account", "job_extra_directives"):  # no accounts or QOS on this Slurm
        cluster.pop(key)
    cluster.update(cores=1, processes=1, memory="1GB", walltime="00:15:00",
                   python=sys.executable, local_directory=str(work / "dask-scratch"),
                   job_script_prologue=[f"export PYTHONPATH={ROOT}"])
    config["scale"] = {"jobs": 2}
    (work / "slurm.yaml").write_text(yaml.safe_dump(config))
    dask = subprocess.run([*CADRESIM, "sensitivity", *SWEEP, "--out", "results/dask", "--quiet",
                           "--engine", "dask", "--cluster", "slurm", "--cluster-config",
                           "slurm.yaml"], cwd=work, env=cli_env(**slurm), capture_output=True,
                          text=True, timeout=600)
    assert dask.returncode == 0, dask.stderr
    assert "#SBATCH" in dask.stderr and sys.executable in dask.stderr  # the job script shown

    wait_until_idle(slurm, logs=work / "logs")
    state = slurm_cmd(slurm, "scontrol", "show", "job", final)
    logs = "\n".join(p.read_text() for p in sorted((work / "logs").iterdir()))
    assert "JobState=COMPLETED" in state, logs
    for i in range(3):
        assert f"shard {i}/3 (shards are numbered 0 to 2): chunks" in logs
        assert f"shard {i}/3 done: chunks" in logs
    for route in ("array", "dask"):
        for name in COMPARED:
            got = (work / "results" / route / name).read_bytes()
            assert got == (local / name).read_bytes(), f"{route}/{name} differs from local"


class StderrLines:
    """Collects a process's stderr lines as they come (a thread drains the pipe)."""

    def __init__(self, proc: subprocess.Popen):
        self.lines: list[str] = []
        self.thread = threading.Thread(target=self._read, args=(proc,), daemon=True)
        self.thread.start()

    def _read(self, proc):
        for line in proc.stderr:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, needle: str, proc: subprocess.Popen, timeout: float = 120) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [x for x in self.lines if needle in x]
            if found:
                return found[0]
            assert proc.poll() is None, "\n".join(self.lines)
            time.sleep(0.2)
        raise AssertionError(f"no {needle!r} in: " + "\n".join(self.lines))


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_jobs_that_cannot_start_are_explained_and_a_stop_cancels_them(sig, code, slurm,
                                                                      tmp_path):
    """More cores asked than the node has: the jobs pend forever. The command says so (with
    squeue's reason) instead of waiting in silence; Ctrl-C (which importing dask_jobqueue 0.9.0
    turned into a silent exit 0) and SIGTERM stop it with a message and cancel the jobs."""
    cpus = int(slurm_cmd(slurm, "sinfo", "-h", "-o", "%c").split()[0])
    config = tmp_path / "too-big.yaml"
    config.write_text(f"cluster: {{queue: normal, cores: {cpus + 1}, processes: 1, memory: 1GB, "
                      f"walltime: '00:10:00', python: {sys.executable}, "
                      f"job_script_prologue: ['export PYTHONPATH={ROOT}']}}\n"
                      "scale: {jobs: 2}\n")
    proc = subprocess.Popen([*CADRESIM, "sensitivity", *SWEEP, "--out", "results/x", "--quiet",
                             "--engine", "dask", "--cluster", "slurm", "--cluster-config",
                             str(config)], cwd=tmp_path, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            env=cli_env(CADRESIM_WORKER_WAIT="5", **slurm))
    err = StderrLines(proc)
    try:
        warning = err.wait_for("no Dask worker has started", proc)
        assert "PENDING" in warning and "squeue -u $USER" in warning and str(config) in warning
        assert len(slurm_cmd(slurm, "squeue", "-h", "-o", "%i").split()) == 2
        os.kill(proc.pid, sig)  # Ctrl-C in a terminal; scancel / walltime / timeout for SIGTERM
        proc.wait(120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
    err.thread.join(10)
    assert proc.returncode == code, "\n".join(err.lines)
    assert "interrupted" in err.lines[-1] and "Traceback" not in "\n".join(err.lines)
    deadline = time.monotonic() + 30
    while slurm_cmd(slurm, "squeue", "-h", "-o", "%i") and time.monotonic() < deadline:
        time.sleep(0.5)
    assert slurm_cmd(slurm, "squeue", "-h", "-o", "%i") == "", "worker jobs left queued"
    assert not (tmp_path / "results").exists() or not any((tmp_path / "results").iterdir())
