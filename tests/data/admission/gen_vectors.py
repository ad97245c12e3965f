#!/usr/bin/env python3
"""Writes vectors.json, the admission rule table replayed by tests/unit/test_admission_vectors.c.
Each vector: a tenant (level, mode, overrides) or a whole admission section, a JSON merge
patch over base_spec.json (or base_restricted.json), extra mounts, host facts, a starter,
an exec; and what is expected: verdict, first rule, a substring of its line, outcomes,
changes, the tenant matched. Edit here, run it, commit both."""
import json
import os
V=[]
def v(name, expect, **kw):
    d={"name":name}
    d.update(kw)
    d["expect"]=expect
    V.append(d)
ALLOW={"verdict":"allowed"}
def R(rule, msg=None, **kw):
    e={"verdict":"refused","rule":"admission."+rule}
    if msg: e["message"]=msg
    e.update(kw); return e
def W(rule, msg=None, **kw):
    e={"verdict":"warned","rule":"admission."+rule}
    if msg: e["message"]=msg
    e.update(kw); return e
ALLCAPS=["CAP_AUDIT_CONTROL","CAP_AUDIT_READ","CAP_AUDIT_WRITE","CAP_BLOCK_SUSPEND","CAP_BPF","CAP_CHECKPOINT_RESTORE","CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_DAC_READ_SEARCH","CAP_FOWNER","CAP_FSETID","CAP_IPC_LOCK","CAP_IPC_OWNER","CAP_KILL","CAP_LEASE","CAP_LINUX_IMMUTABLE","CAP_MAC_ADMIN","CAP_MAC_OVERRIDE","CAP_MKNOD","CAP_NET_ADMIN","CAP_NET_BIND_SERVICE","CAP_NET_BROADCAST","CAP_NET_RAW","CAP_PERFMON","CAP_SETFCAP","CAP_SETGID","CAP_SETPCAP","CAP_SETUID","CAP_SYSLOG","CAP_SYS_ADMIN","CAP_SYS_BOOT","CAP_SYS_CHROOT","CAP_SYS_MODULE","CAP_SYS_NICE","CAP_SYS_PACCT","CAP_SYS_PTRACE","CAP_SYS_RAWIO","CAP_SYS_TIME","CAP_SYS_TTY_CONFIG","CAP_WAKE_ALARM"]
DEF=["CAP_AUDIT_WRITE","CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_FOWNER","CAP_FSETID","CAP_KILL","CAP_MKNOD","CAP_NET_BIND_SERVICE","CAP_NET_RAW","CAP_SETFCAP","CAP_SETGID","CAP_SETPCAP","CAP_SETUID","CAP_SYS_CHROOT"]
def caps(l): return {"process":{"capabilities":{"bounding":l,"effective":l,"permitted":l}}}
NS=["pid","network","ipc","uts","mount"]
def ns(*entries):
    return {"linux":{"namespaces":list(entries)}}
def nsw(without, extra=None):
    l=[{"type":t} for t in NS if t!=without]
    if extra: l.append(extra)
    return ns(*l)
def bind(src, dst="/x", opts=None):
    return {"destination":dst,"type":"bind","source":src,"options":opts or ["rbind","rprivate"]}

# --- the engine defaults
v("podman default spec at baseline", ALLOW, level="baseline", outcome={"capabilities.beyond-level":"pass","namespaces.host":"pass","mounts.sensitive-path":"pass"})
v("podman default spec at privileged", ALLOW, level="privileged", outcome={"capabilities.beyond-level":"off"})
v("podman default spec at restricted", R("capabilities.beyond-level","CAP_CHOWN,CAP_DAC_OVERRIDE"), level="restricted")
v("compliant restricted spec", ALLOW, level="restricted", base="restricted", outcome={"user.root":"pass","resources.memory":"pass","process.no-new-privileges":"pass"})
# --- privileged-equivalents
v("all capabilities refused (baseline)", R("privileged.all-capabilities","40 of 41 capabilities"), level="baseline", patch=caps(ALLCAPS))
v("all capabilities allowed (privileged)", ALLOW, level="privileged", patch=caps(ALLCAPS))
v("29 capabilities are not all of them", R("capabilities.beyond-level"), level="baseline", patch=caps(ALLCAPS[:29]), outcome={"privileged.all-capabilities":"pass"})
v("no seccomp refused", R("privileged.no-seccomp","linux.seccomp=absent"), level="baseline", patch={"linux":{"seccomp":None}})
v("seccomp allow-all without rules refused", R("privileged.no-seccomp","SCMP_ACT_ALLOW with no syscall rules"), level="baseline", patch={"linux":{"seccomp":{"defaultAction":"SCMP_ACT_ALLOW","syscalls":None}}})
v("seccomp allow-all with deny rules allowed", ALLOW, level="baseline", patch={"linux":{"seccomp":{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["kexec_load"],"action":"SCMP_ACT_ERRNO"}]}}})
v("no seccomp allowed when the seccomp stage supplies one", ALLOW, level="baseline", host={"seccomp_supplied":True}, patch={"linux":{"seccomp":None}})
v("no seccomp allowed (privileged)", ALLOW, level="privileged", patch={"linux":{"seccomp":None}})
v("apparmor unconfined refused", R("privileged.apparmor","process.apparmorProfile=unconfined"), level="baseline", patch={"process":{"apparmorProfile":"unconfined"}})
v("apparmor profile allowed", ALLOW, level="baseline", host={"apparmor":True}, patch={"process":{"apparmorProfile":"containers-default-0.50.1"}})
v("apparmor none on an AppArmor host allowed at baseline", ALLOW, level="baseline", host={"apparmor":True})
v("apparmor none refused when required", R("privileged.apparmor","(none)"), level="baseline", host={"apparmor":True}, overrides={"requireAppArmor":True})
v("selinux spc_t refused", R("privileged.selinux","type spc_t"), level="baseline", host={"selinux":True}, patch={"process":{"selinuxLabel":"system_u:system_r:spc_t:s0"}})
v("selinux container_t allowed", ALLOW, level="baseline", host={"selinux":True}, patch={"process":{"selinuxLabel":"system_u:system_r:container_t:s0:c1,c2"}})
v("selinux off (label=disable) on an SELinux host refused", R("privileged.selinux","SELinux separation is off"), level="baseline", host={"selinux":True})
v("no label on a host without SELinux allowed", ALLOW, level="baseline", host={"selinux":False})
v("masked paths removed refused", R("privileged.proc-unmasked","linux.maskedPaths=/proc/acpi"), level="baseline", patch={"linux":{"maskedPaths":[]}})
v("second procfs refused", R("privileged.proc-unmasked","proc at /hostproc"), level="baseline", add_mounts=[{"destination":"/hostproc","type":"proc","source":"proc"}])
v("masked paths added by mutation", ALLOW, level="baseline", overrides={"mutate":{"maskPaths":True}}, patch={"linux":{"maskedPaths":["/proc/kcore"]}}, outcome={"privileged.proc-unmasked":"mutated"}, changes=["/linux/maskedPaths/-"])
v("read-only paths removed refused", R("privileged.proc-writable","linux.readonlyPaths=/proc/bus"), level="baseline", patch={"linux":{"readonlyPaths":[]}})
v("read-only paths added by mutation", ALLOW, level="baseline", overrides={"mutate":{"readonlyPaths":True}}, patch={"linux":{"readonlyPaths":None}}, outcome={"privileged.proc-writable":"mutated"}, changes=["/linux/readonlyPaths/-"])
v("writable /sys refused", R("privileged.sys-writable","/sys (sysfs, writable)"), level="baseline", set_mount={"destination":"/sys","options":["nosuid","noexec","nodev","rw"]})
v("writable cgroup file system refused", R("privileged.sys-writable","/sys/fs/cgroup (cgroup, writable)"), level="baseline", set_mount={"destination":"/sys/fs/cgroup","options":["rprivate","nosuid","rw"]})
v("host /sys bound read-write refused", R("privileged.sys-writable"), level="baseline", add_mounts=[{"destination":"/sys/kernel","type":"bind","source":"/sys/kernel","options":["rbind"]}])
# --- capabilities
v("cap-add SYS_ADMIN refused", R("capabilities.beyond-level","process.capabilities=CAP_SYS_ADMIN"), level="baseline", patch=caps(DEF+["CAP_SYS_ADMIN"]))
v("cap-add SYS_ADMIN allowed by override", ALLOW, level="baseline", overrides={"allowCapabilities":["SYS_ADMIN"]}, patch=caps(DEF+["CAP_SYS_ADMIN"]))
v("cap-add allowed by a site override", ALLOW, level="baseline", site={"overrides":{"allowCapabilities":["CAP_NET_ADMIN"]}}, patch=caps(DEF+["CAP_NET_ADMIN"]))
v("unknown capability refused", R("capabilities.beyond-level","CAP_FROBNICATE"), level="baseline", patch=caps(DEF+["CAP_FROBNICATE"]))
v("capabilities dropped by mutation", ALLOW, level="baseline", overrides={"mutate":{"dropCapabilities":True}}, patch=caps(DEF+["CAP_SYS_ADMIN","CAP_NET_ADMIN"]), outcome={"capabilities.beyond-level":"mutated"}, changes=["/process/capabilities/bounding","/process/capabilities/effective","/process/capabilities/permitted"], finding="dropped CAP_NET_ADMIN,CAP_SYS_ADMIN")
v("more than 4 extra capabilities summarised", R("capabilities.beyond-level","and 1 more"), level="restricted", base="restricted", patch=caps(["CAP_NET_BIND_SERVICE","CAP_CHOWN","CAP_KILL","CAP_SETUID","CAP_SETGID","CAP_FOWNER"]))
# --- namespaces
v("host pid namespace refused", R("namespaces.host","pid (no namespace of its own"), level="baseline", patch=nsw("pid"))
v("host network namespace refused", R("namespaces.host","network (no namespace"), level="baseline", patch=nsw("network"))
v("host ipc namespace refused", R("namespaces.host","ipc (no namespace"), level="baseline", patch=nsw("ipc"))
v("host uts namespace refused", R("namespaces.host","uts (no namespace"), level="baseline", patch=nsw("uts"))
v("host mount namespace refused", R("namespaces.host","mount (no namespace"), level="baseline", patch=nsw("mount"))
v("host cgroup namespace allowed at baseline", ALLOW, level="baseline")
v("host cgroup namespace refused at restricted", R("namespaces.host","cgroup (no namespace"), level="restricted", base="restricted", patch=ns(*[{"type":t} for t in NS]))
v("host network allowed by override", ALLOW, level="baseline", overrides={"allowHostNamespaces":["network"]}, patch=nsw("network"))
v("host network namespace joined by path refused", R("namespaces.host","network joined at /proc/1/ns/net, which is the host's"), level="baseline", patch=nsw("network",{"type":"network","path":"/proc/1/ns/net"}))
v("engine netns by path allowed", ALLOW, level="baseline", patch=nsw("network",{"type":"network","path":"/run/netns/netns-1234"}))
v("another process's pid namespace allowed at baseline", ALLOW, level="baseline", patch=nsw("pid",{"type":"pid","path":"/proc/4242/ns/pid"}))
v("another process's mount namespace refused", R("namespaces.join","mount at /proc/4242/ns/mnt"), level="baseline", patch=nsw("mount",{"type":"mount","path":"/proc/4242/ns/mnt"}))
v("joining a pid namespace refused at restricted", R("namespaces.join","pid at /proc/4242/ns/pid"), level="restricted", base="restricted", patch=ns({"type":"network"},{"type":"ipc"},{"type":"uts"},{"type":"mount"},{"type":"cgroup"},{"type":"pid","path":"/proc/4242/ns/pid"}))
v("joining allowed by override", ALLOW, level="baseline", overrides={"allowJoinNamespaces":["mount"]}, patch=nsw("mount",{"type":"mount","path":"/proc/4242/ns/mnt"}))
v("namespace path that cannot be checked refused", R("namespaces.host","cannot be checked"), level="baseline", patch=nsw("network",{"type":"network","path":"/nonexistent/ns"}))
# --- mounts
v("-v /:/host refused", R("mounts.sensitive-path","mounts[10].source=/;"), level="baseline", add_mounts=[bind("/","/host")])
v("-v /etc/shadow refused", R("mounts.sensitive-path","/etc/shadow (sensitive: /etc/**)"), level="baseline", add_mounts=[bind("/etc/shadow","/s")])
v("docker socket through /var/run refused", R("mounts.sensitive-path","/run/docker.sock"), level="baseline", add_mounts=[bind("/var/run/docker.sock","/d.sock")])
v("podman socket refused", R("mounts.sensitive-path","/run/podman/podman.sock"), level="baseline", add_mounts=[bind("/run/podman/podman.sock","/s")])
v("containerd socket refused", R("mounts.sensitive-path","/run/containerd/containerd.sock"), level="baseline", add_mounts=[bind("/run/containerd/containerd.sock","/s")])
v("parent of a socket refused", R("mounts.sensitive-path","/run (sensitive:"), level="baseline", add_mounts=[bind("/run","/hostrun")])
v("container storage refused", R("mounts.sensitive-path","/var/lib/containers"), level="baseline", add_mounts=[bind("/var/lib/containers","/c")])
v("a container's own userdata allowed", ALLOW, level="baseline", add_mounts=[bind("/var/lib/containers/storage/overlay-containers/0123/userdata/run/secrets","/run/secrets")])
v("host /proc refused", R("mounts.sensitive-path","/proc/sys"), level="baseline", add_mounts=[bind("/proc/sys","/p")])
v("host device by bind refused", R("mounts.sensitive-path","/dev/kmsg"), level="baseline", add_mounts=[bind("/dev/kmsg","/dev/kmsg")])
v("/dev/null by bind allowed", ALLOW, level="baseline", add_mounts=[bind("/dev/null","/dev/null")])
v("site sensitive path refused", R("mounts.sensitive-path","/srv/secret/key (sensitive: /srv/secret/**)"), level="baseline", site={"sensitivePaths":["/srv/secret/**"]}, add_mounts=[bind("/srv/secret/key","/k")])
v("other site path allowed", ALLOW, level="baseline", site={"sensitivePaths":["/srv/secret/**"]}, add_mounts=[bind("/srv/public","/p")])
v("allowHostPaths exempts a path", ALLOW, level="baseline", overrides={"allowHostPaths":["/etc/ssl/certs/**"]}, add_mounts=[bind("/etc/ssl/certs/ca.pem","/ca.pem")])
v("relative bind source resolved against the bundle", R("mounts.sensitive-path","=/etc"), level="baseline", add_mounts=[bind("../../../etc","/e")])
v("tmpfs with source / is no bind", ALLOW, level="baseline", add_mounts=[{"destination":"/scratch","type":"tmpfs","source":"/","options":["nosuid"]}])
v("host paths allowed at privileged", ALLOW, level="privileged", add_mounts=[bind("/","/host")])
# --- devices
v("--device /dev/kmsg refused", R("devices.host","linux.devices[0].path=/dev/kmsg"), level="baseline", patch={"linux":{"devices":[{"path":"/dev/kmsg","type":"c","major":1,"minor":11}],"resources":{"devices":[{"allow":False,"access":"rwm"},{"allow":True,"type":"c","major":1,"minor":11,"access":"rwm"}]}}})
v("--device /dev/fuse allowed by override", ALLOW, level="baseline", overrides={"allowDevices":["/dev/fuse"]}, patch={"linux":{"devices":[{"path":"/dev/fuse","type":"c","major":10,"minor":229}],"resources":{"devices":[{"allow":False,"access":"rwm"},{"allow":True,"type":"c","major":10,"minor":229,"access":"rwm"}]}}})
v("/dev/null device allowed", ALLOW, level="baseline", patch={"linux":{"devices":[{"path":"/dev/null","type":"c","major":1,"minor":3}]}})
v("device cgroup allowing everything refused", R("devices.cgroup","allow all devices (rwm)"), level="baseline", patch={"linux":{"resources":{"devices":[{"allow":True,"access":"rwm"}]}}})
v("device cgroup rule without its device refused", R("devices.cgroup","allow c 8:0 rw"), level="baseline", patch={"linux":{"resources":{"devices":[{"allow":False,"access":"rwm"},{"allow":True,"type":"c","major":8,"minor":0,"access":"rw"}]}}})
v("device cgroup wildcard read refused", R("devices.cgroup","allow b *:* rwm"), level="baseline", patch={"linux":{"resources":{"devices":[{"allow":True,"type":"b","access":"rwm"}]}}})
v("device cgroup mknod-only wildcard and ptys allowed", ALLOW, level="baseline", patch={"linux":{"resources":{"devices":[{"allow":False,"access":"rwm"},{"allow":True,"type":"c","major":-1,"minor":-1,"access":"m"},{"allow":True,"type":"c","major":136,"access":"rwm"},{"allow":True,"type":"c","major":1,"minor":3,"access":"rwm"}]}}})
# --- process
v("no-new-privileges missing at restricted refused", R("process.no-new-privileges","process.noNewPrivileges=false"), level="restricted", base="restricted", patch={"process":{"noNewPrivileges":False}})
v("no-new-privileges required by override refused", R("process.no-new-privileges"), level="baseline", overrides={"requireNoNewPrivileges":True})
v("no-new-privileges set by mutation", ALLOW, level="baseline", overrides={"mutate":{"noNewPrivileges":True}}, outcome={"process.no-new-privileges":"mutated"}, changes=["/process/noNewPrivileges"])
v("root refused at restricted", R("user.root","process.user.uid=0"), level="restricted", base="restricted", patch={"process":{"user":{"uid":0,"gid":0}}})
v("root in a user namespace allowed at restricted", ALLOW, level="restricted", base="restricted", patch={"process":{"user":{"uid":0,"gid":0}},"linux":{"namespaces":[{"type":t} for t in NS+["cgroup","user"]],"uidMappings":[{"containerID":0,"hostID":100000,"size":65536}],"gidMappings":[{"containerID":0,"hostID":100000,"size":65536}]}})
v("root refused by allowRoot=false", R("user.root"), level="baseline", overrides={"allowRoot":False})
v("uid outside the tenant's ranges refused", R("user.uid-range","process.user.uid=2000"), level="baseline", overrides={"runAsUidRanges":["1000-1999"]}, patch={"process":{"user":{"uid":2000,"gid":2000}}})
v("uid inside the tenant's ranges allowed", ALLOW, level="baseline", overrides={"runAsUidRanges":["1000-1999",5000]}, patch={"process":{"user":{"uid":1500,"gid":1500}}})
v("writable rootfs refused when read-only is required", R("rootfs.read-only","root.readonly=false"), level="baseline", overrides={"requireReadOnlyRootfs":True})
v("read-only rootfs allowed when required", ALLOW, level="baseline", overrides={"requireReadOnlyRootfs":True}, patch={"root":{"readonly":True}})
# --- sysctls, rlimits, limits
v("unsafe sysctl refused", R("sysctl.unsafe","kernel.msgmax=65536"), level="baseline", patch={"linux":{"sysctl":{"kernel.msgmax":"65536"}}})
v("safe sysctls allowed", ALLOW, level="baseline", patch={"linux":{"sysctl":{"net.ipv4.ping_group_range":"0 0","net/ipv4/tcp_syncookies":"1"}}})
v("sysctl allowed by override pattern", ALLOW, level="baseline", overrides={"allowSysctls":["net.core.*"]}, patch={"linux":{"sysctl":{"net.core.somaxconn":"1024"}}})
v("rlimit above the site maximum refused", R("rlimits.max","RLIMIT_NOFILE hard=20000 soft=20000 (max 4096)"), level="baseline", overrides={"maxRlimits":{"RLIMIT_NOFILE":4096}})
v("rlimit clamped by mutation", ALLOW, level="baseline", overrides={"maxRlimits":{"RLIMIT_NOFILE":4096},"mutate":{"clampRlimits":True}}, outcome={"rlimits.max":"mutated"}, changes=["/process/rlimits"])
v("rlimits within the maximum allowed", ALLOW, level="baseline", site={"overrides":{"maxRlimits":{"RLIMIT_NPROC":65536}}})
v("memory limit missing at restricted refused", R("resources.memory","linux.resources.memory.limit=absent"), level="restricted", base="restricted", patch={"linux":{"resources":{"memory":None}}})
v("memory limit above the maximum refused", R("resources.memory","2147483648 (max 1073741824)"), level="baseline", overrides={"maxMemoryLimit":1073741824}, patch={"linux":{"resources":{"memory":{"limit":2147483648}}}})
v("memory limit set by mutation", ALLOW, level="restricted", base="restricted", overrides={"mutate":{"memoryLimit":268435456}}, patch={"linux":{"resources":{"memory":None}}}, outcome={"resources.memory":"mutated"}, changes=["/linux/resources/memory/limit"])
v("pids limit unlimited refused when required", R("resources.pids","linux.resources.pids.limit=unlimited"), level="baseline", overrides={"requirePidsLimit":True}, patch={"linux":{"resources":{"pids":{"limit":-1}}}})
v("pids limit set by mutation", ALLOW, level="baseline", overrides={"requirePidsLimit":True,"mutate":{"pidsLimit":2048}}, outcome={"resources.pids":"mutated"}, changes=["/linux/resources/pids/limit"])
v("pids limit clamped to the maximum by mutation", ALLOW, level="baseline", overrides={"maxPidsLimit":100,"mutate":{"pidsLimit":50}}, patch={"linux":{"resources":{"pids":{"limit":4096}}}}, changes=["/linux/resources/pids/limit"])
# --- hooks, annotations
v("caller hook refused", R("hooks.allowlist","hooks.prestart=/tmp/evil"), level="baseline", patch={"hooks":{"prestart":[{"path":"/tmp/evil"}]}})
v("allow-listed hook allowed", ALLOW, level="baseline", site={"hookAllowlist":["/usr/libexec/oci/hooks.d/*"]}, patch={"hooks":{"createRuntime":[{"path":"/usr/libexec/oci/hooks.d/nvidia","args":["nvidia"]}]}})
v("hook outside the allow-list pattern refused", R("hooks.allowlist","/usr/libexec/oci/hooks.d/sub/x"), level="baseline", site={"hookAllowlist":["/usr/libexec/oci/hooks.d/*"]}, patch={"hooks":{"poststop":[{"path":"/usr/libexec/oci/hooks.d/sub/x"}]}})
v("hook of an unknown kind is judged too", R("hooks.allowlist","hooks.futureHook=/bin/sh"), level="baseline", patch={"hooks":{"futureHook":[{"path":"/bin/sh"}]}})
v("runwarden's own hook from an earlier pass allowed", ALLOW, level="baseline", patch={"hooks":{"poststop":[{"path":"/usr/bin/runwarden","args":["runwarden","hook","mounts-cleanup"]}]}})
v("runwarden binary with extra hook arguments refused", R("hooks.allowlist","/usr/bin/runwarden"), level="baseline", patch={"hooks":{"poststop":[{"path":"/usr/bin/runwarden","args":["runwarden","hook","mounts-cleanup","--dir","/etc"]}]}})
v("denied annotation refused", R("annotations.denylist","annotations.run.oci.keep_original_groups=1"), level="baseline", patch={"annotations":{"run.oci.keep_original_groups":"1"}})
v("site denylist replaces the built-in one", R("annotations.denylist","annotations.io.example.debug=on"), level="baseline", site={"annotationDenylist":["io.example.*"]}, patch={"annotations":{"io.example.debug":"on","run.oci.keep_original_groups":"1"}})
v("ordinary annotations allowed", ALLOW, level="baseline", patch={"annotations":{"org.opencontainers.image.title":"x"}})
# --- modes and rule overrides
v("warn mode allows and warns", {"verdict":"warned","rule":"admission.capabilities.beyond-level","message":"CAP_SYS_ADMIN"}, level="baseline", mode="warn", patch=caps(DEF+["CAP_SYS_ADMIN"]))
v("audit mode allows", {"verdict":"warned","rule":"admission.capabilities.beyond-level"}, level="baseline", mode="audit", patch=caps(DEF+["CAP_SYS_ADMIN"]))
v("audit mode reports mutations without applying them", {"verdict":"allowed","no_changes":True}, level="baseline", mode="audit", overrides={"mutate":{"noNewPrivileges":True}}, finding="audit mode: would set it to true")
v("rule turned to warn", W("capabilities.beyond-level","CAP_SYS_ADMIN"), level="baseline", overrides={"rules":{"capabilities.beyond-level":"warn"}}, patch=caps(DEF+["CAP_SYS_ADMIN"]))
v("rule turned off", ALLOW, level="baseline", overrides={"rules":{"capabilities.beyond-level":"off"}}, patch=caps(DEF+["CAP_SYS_ADMIN"]), outcome={"capabilities.beyond-level":"off"})
v("rule turned on for a privileged tenant", R("hooks.allowlist"), level="privileged", overrides={"rules":{"hooks.allowlist":"refuse"}}, patch={"hooks":{"prestart":[{"path":"/tmp/evil"}]}})
v("tenant rule beats site rule", ALLOW, level="baseline", site={"overrides":{"rules":{"sysctl.unsafe":"refuse"}}}, overrides={"rules":{"sysctl.unsafe":"off"}}, patch={"linux":{"sysctl":{"kernel.msgmax":"1"}}})
# --- exec
PRIVPROC={"capabilities":{"bounding":ALLCAPS,"effective":ALLCAPS,"permitted":ALLCAPS},"user":{"uid":0,"gid":0},"args":["/bin/sh"],"cwd":"/"}
DEFPROC={"capabilities":{"bounding":DEF,"effective":DEF,"permitted":DEF},"user":{"uid":0,"gid":0},"args":["/bin/sh"],"cwd":"/"}
v("exec --privileged into a baseline container refused", R("exec.capabilities","all capabilities"), level="baseline", exec={"process":PRIVPROC})
v("exec with default capabilities allowed", ALLOW, level="baseline", exec={"process":DEFPROC})
v("exec --privileged allowed for a privileged container", ALLOW, level="privileged", exec={"process":PRIVPROC})
v("exec --cap CAP_SYS_ADMIN refused", R("exec.capabilities","--cap=CAP_SYS_ADMIN"), level="baseline", exec={"flags":{"caps":["CAP_SYS_ADMIN"]}})
v("exec --cap CAP_CHOWN allowed", ALLOW, level="baseline", exec={"flags":{"caps":["CAP_CHOWN"]}})
v("exec as root refused at restricted", R("exec.user","--user=0"), level="restricted", exec={"flags":{"user":"0:0"}})
v("exec as a user allowed at restricted", ALLOW, level="restricted", exec={"flags":{"user":"1000"}})
v("exec process.json as root refused at restricted", R("exec.user","process.user.uid=0"), level="restricted", exec={"process":{"capabilities":{"bounding":["CAP_NET_BIND_SERVICE"]},"user":{"uid":0,"gid":0},"args":["/bin/sh"],"cwd":"/","noNewPrivileges":True}})
v("exec apparmor unconfined refused", R("exec.apparmor","unconfined"), level="baseline", exec={"flags":{"apparmor":"unconfined"}})
v("exec label spc_t refused", R("exec.selinux","type spc_t"), level="baseline", exec={"flags":{"label":"system_u:system_r:spc_t:s0"}})
v("exec label container_t allowed", ALLOW, level="baseline", exec={"flags":{"label":"system_u:system_r:container_t:s0:c5,c6"}})
v("exec without no-new-privileges refused at restricted", R("exec.no-new-privileges"), level="restricted", exec={"process":{"capabilities":{"bounding":["CAP_NET_BIND_SERVICE"]},"user":{"uid":1000,"gid":1000},"args":["/bin/sh"],"cwd":"/"}})
v("exec capabilities dropped by mutation", ALLOW, level="baseline", overrides={"mutate":{"dropCapabilities":True}}, exec={"process":PRIVPROC}, outcome={"exec.capabilities":"mutated"}, changes=["/capabilities/bounding"])
v("exec with a non-numeric user refused at restricted", R("exec.user","pass a numeric"), level="restricted", exec={"flags":{"user":"alice"}})
# --- tenant matching
POL={"defaultTenant":"default","tenants":{"default":{"level":"baseline"},"ops":{"level":"privileged"},"ci":{"level":"restricted","mode":"warn"},"k8s-system":{"level":"privileged"},"daemons":{"level":"baseline","mode":"audit"}},
     "match":[{"loginUid":4243,"tenant":"ci"},{"loginUid":"1000-1999","group":"sudo","tenant":"ops"},{"uid":"root","loginUid":"unset","kubernetesNamespace":"kube-*","tenant":"k8s-system"},{"annotations":{"io.example.team":"ops"},"uid":0,"tenant":"ops"},{"loginUid":"unset","tenant":"daemons"},{"group":4242,"tenant":"ops"}]}
v("login uid 4243 matches ci", {"tenant":"ci","matched":0}, admission=POL, who={"uid":0,"loginuid":4243})
v("a login uid in range and group sudo match ops", {"tenant":"ops","matched":1}, admission=POL, who={"uid":0,"loginuid":1500,"groups":["sudo"]})
v("a login uid in range without the group falls through", {"tenant":"default","matched":-1}, admission=POL, who={"uid":0,"loginuid":1500,"groups":[100]})
v("CRI-O pod namespace matches a daemon started container", {"tenant":"k8s-system","matched":2}, admission=POL, who={"uid":0,"loginuid":None}, patch={"annotations":{"io.kubernetes.pod.namespace":"kube-system"}})
v("containerd CRI sandbox namespace matches too", {"tenant":"k8s-system","matched":2}, admission=POL, who={"uid":0,"loginuid":None}, patch={"annotations":{"io.kubernetes.cri.sandbox-namespace":"kube-public"}})
v("a pod namespace set by a logged-in user does not match", {"tenant":"default","matched":-1}, admission=POL, who={"uid":0,"loginuid":1200}, patch={"annotations":{"io.kubernetes.pod.namespace":"kube-system"}})
v("annotation with uid condition", {"tenant":"ops","matched":3}, admission=POL, who={"uid":0,"loginuid":77}, patch={"annotations":{"io.example.team":"ops"}})
v("unset login uid matches daemons (audit mode)", {"tenant":"daemons","matched":4,"mode":"audit"}, admission=POL, who={"uid":0,"loginuid":None})
v("supplementary gid matches", {"tenant":"ops","matched":5}, admission=POL, who={"uid":1000,"loginuid":3000,"groups":[10,4242]})
v("unknown starter gets the default tenant", {"tenant":"default","matched":-1}, admission=POL, who=None)
v("unknown starter still matches annotation-only rules", {"tenant":"t2","matched":0}, admission={"tenants":{"default":{"level":"baseline"},"t2":{"level":"restricted"}},"match":[{"annotations":{"tenant":"t2"},"tenant":"t2"}]}, who=None, patch={"annotations":{"tenant":"t2"}})
v("first matching rule wins", {"tenant":"ci","matched":0}, admission={"tenants":{"default":{"level":"baseline"},"ci":{"level":"restricted"},"ops":{"level":"privileged"}},"match":[{"uid":"0-10","tenant":"ci"},{"uid":0,"tenant":"ops"}]}, who={"uid":0,"loginuid":0})
v("tenant mode overrides the site mode", {"tenant":"ci","matched":0,"mode":"warn"}, admission=POL, who={"uid":0,"loginuid":4243})
v("site mode when the tenant sets none", {"tenant":"default","matched":-1,"mode":"enforce"}, admission=POL, who={"uid":5,"loginuid":5})
json.dump(V, open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "vectors.json"), "w"), indent=1)
print(len(V))
