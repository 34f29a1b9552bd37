"""Solve max-min systems with SimGrid's own lmm solver (MaxMin, the default `maxmin` solver).

The Python binding (python3-simgrid) exposes actors, hosts and links but not the lmm solver, so this
script calls libsimgrid's exported lmm entry points directly through ctypes (C++ member functions
take `this` as the first argument on x86-64 SysV; std::string_view is passed as length, pointer):
System::build, System::constraint_new, System::variable_new, System::expand, System::solve,
Constraint::set_sharing_policy (FATPIPE constraints) and Constraint::get_usage. A variable's value is read after solving by expanding it, with weight 1,
into a fresh constraint that nothing else uses and reading that constraint's usage (sum of
weight x value over its enabled elements = the value); no solve runs after that, so the probe
cannot change any value.

Input (stdin, JSON): {"systems": [{"capacities": [C...], "fatpipe": [c...],
                                   "flows": [[penalty, bound|null, [c, a, ...]], ...]}],
                      "runs": 1}
Output (stdout, JSON): {"simgrid": "3.32.0", "results": [{"rates": [...], "solveCpuSeconds": [...]}]}
Each system is built and solved `runs` times (fresh System each time); rates come from the last run.
Exit 4 when the library lacks the SimGrid 3.32 lmm entry points (another release: unsupported).
"""
import ctypes
import ctypes.util
import json
import sys
import time

SYM = {
    'build': '_ZN7simgrid6kernel3lmm6System5buildESt17basic_string_viewIcSt11char_traitsIcEEb',
    'constraint_new': '_ZN7simgrid6kernel3lmm6System14constraint_newEPNS0_8resource8ResourceEd',
    'variable_new': '_ZN7simgrid6kernel3lmm6System12variable_newEPNS0_8resource6ActionEddm',
    'expand': '_ZN7simgrid6kernel3lmm6System6expandEPNS1_10ConstraintEPNS1_8VariableEdb',
    'solve': '_ZN7simgrid6kernel3lmm6System5solveEv',
    'get_usage': '_ZNK7simgrid6kernel3lmm10Constraint9get_usageEv',
    'set_sharing_policy':
        '_ZN7simgrid6kernel3lmm10Constraint18set_sharing_policyENS2_13SharingPolicyERKSt8functionIFddiEE',
}
FATPIPE = 0  # lmm::Constraint::SharingPolicy::FATPIPE
# An empty std::function (libstdc++: a null manager pointer means empty) for set_sharing_policy.
NO_CALLBACK = ctypes.create_string_buffer(64)


def load(path):
    lib = ctypes.CDLL(path)
    P, D, Z, B = ctypes.c_void_p, ctypes.c_double, ctypes.c_size_t, ctypes.c_bool
    try:
        f = {k: lib[v] for k, v in SYM.items()}
    except AttributeError as e:
        # Another SimGrid release with other lmm signatures: say so (exit 4 = unsupported, not a failure).
        sys.stderr.write(f'{path}: lmm entry points of SimGrid 3.32 not found ({e})\n')
        sys.exit(4)
    f['build'].argtypes, f['build'].restype = [Z, ctypes.c_char_p, B], P
    f['constraint_new'].argtypes, f['constraint_new'].restype = [P, P, D], P
    f['variable_new'].argtypes, f['variable_new'].restype = [P, P, D, D, Z], P
    f['expand'].argtypes, f['expand'].restype = [P, P, P, D, B], None
    f['solve'].argtypes, f['solve'].restype = [P], None
    f['get_usage'].argtypes, f['get_usage'].restype = [P], D
    f['set_sharing_policy'].argtypes, f['set_sharing_policy'].restype = [P, ctypes.c_int, P], None
    major, minor, patch = ctypes.c_int(), ctypes.c_int(), ctypes.c_int()
    lib.sg_version_get(ctypes.byref(major), ctypes.byref(minor), ctypes.byref(patch))
    return f, f'{major.value}.{minor.value}.{patch.value}'


def solve_once(f, system):
    s = f['build'](6, b'maxmin', False)  # MaxMin, selective update off (as in SimGrid's maxmin_test)
    cnst = [f['constraint_new'](s, None, float(c)) for c in system['capacities']]
    for c in system.get('fatpipe', []):
        f['set_sharing_policy'](cnst[c], FATPIPE, ctypes.addressof(NO_CALLBACK))
    variables = []
    for penalty, bound, uses in system['flows']:
        v = f['variable_new'](s, None, float(penalty), -1.0 if bound is None else float(bound), len(uses) // 2 + 1)
        for i in range(0, len(uses), 2):
            f['expand'](s, cnst[uses[i]], v, float(uses[i + 1]), False)
        variables.append(v)
    t0 = time.process_time()
    f['solve'](s)
    cpu = time.process_time() - t0
    rates = []
    for v in variables:
        probe = f['constraint_new'](s, None, 1.0)
        f['expand'](s, probe, v, 1.0, False)
        rates.append(f['get_usage'](probe))
    return rates, cpu


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else ctypes.util.find_library('simgrid')
    if not path:
        sys.stderr.write('libsimgrid not found\n')
        sys.exit(3)
    f, version = load(path)
    req = json.load(sys.stdin)
    runs = int(req.get('runs', 1))
    results = []
    for system in req['systems']:
        cpus = []
        rates = []
        for _ in range(runs):
            rates, cpu = solve_once(f, system)
            cpus.append(cpu)
        results.append({'rates': rates, 'solveCpuSeconds': cpus})
    json.dump({'simgrid': version, 'results': results}, sys.stdout)


if __name__ == '__main__':
    main()
