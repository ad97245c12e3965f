"""Writes a containers/storage tree (vfs driver) with N images shaped like podman's
(names, names-history, metadata with signature sizes, big-data names/sizes/digests) and one
container created from the LAST image (the worst case for a scan), whose manifest and
signatures are given. Used by bench_trust.sh.

usage: bench_trust_store.py ROOT N NAME MANIFEST SIGNATURE CONTAINER-ID"""
import hashlib
import json
import os
import sys

root, n, name, manifest_path, sig_path, cid = sys.argv[1:7]
n = int(n)
manifest = open(manifest_path, "rb").read()
sig = open(sig_path, "rb").read()
mdig = "sha256:" + hashlib.sha256(manifest).hexdigest()


def h(s):
    return hashlib.sha256(s.encode()).hexdigest()


images = []
for i in range(n):
    last = i == n - 1
    iid = h("image-%d" % i)
    dig = mdig if last else "sha256:" + h("manifest-%d" % i)
    names = [name, "localhost/bench-%d:latest" % i] if last else [
        "registry.example.com/team%d/app-%d:1.%d" % (i % 40, i, i % 7),
        "localhost/bench-%d:latest" % i]
    sizes = [len(sig)] if last else [587]
    bd = ["sha256:" + iid, "manifest-" + dig, "manifest", "signature-" + dig[7:], "signatures"]
    images.append({
        "id": iid,
        "digest": dig,
        "names": names,
        "names-history": list(reversed(names)),
        "layer": h("layer-%d" % i),
        "metadata": json.dumps({"signature-sizes": sizes, "signatures-sizes": {dig: sizes}},
                               separators=(",", ":")),
        "big-data-names": bd,
        "big-data-sizes": {k: 600 for k in bd},
        "big-data-digests": {k: "sha256:" + h(k + str(i)) for k in bd},
        "created": "2025-01-01T00:00:%02d.123456789Z" % (i % 60),
    })
os.makedirs(root + "/vfs-images", exist_ok=True)
with open(root + "/vfs-images/images.json", "w") as f:
    json.dump(images, f, separators=(",", ":"))
target = images[-1]["id"]
d = root + "/vfs-images/" + target
os.makedirs(d, exist_ok=True)
open(d + "/manifest", "wb").write(manifest)
open(d + "/signatures", "wb").write(sig)
os.makedirs(root + "/vfs-containers/" + cid + "/userdata", exist_ok=True)
ctrs = [{"id": cid, "names": ["bench"], "image": target, "layer": h("ctr"),
         "metadata": json.dumps({"image-name": name, "image-id": target, "name": "bench"}),
         "created": "2025-01-01T00:00:00Z"}]
with open(root + "/vfs-containers/containers.json", "w") as f:
    json.dump(ctrs, f, separators=(",", ":"))
print(os.path.getsize(root + "/vfs-images/images.json"))
