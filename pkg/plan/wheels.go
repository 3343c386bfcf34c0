package plan

import (
	"fmt"
	"path"
	"strconv"
	"strings"
)

// Wheel is a wheel of a locked package that the builder can fetch itself, by its URL and
// sha256, and a wheel step install without pip (see unpackWheels).
type Wheel struct {
	File, URL, SHA256 string
	Size              int64 `json:",omitempty"`
	// Source is "file:line" of the lock entry, for messages ("" from pip's report).
	Source string `json:",omitempty"`
}

// WheelDir is where a wheel step sees its wheels: the i-th at WheelDir/i/File.
const WheelDir = "/tmp/mlbuild/wheels"

// WheelPath is where a wheel step sees the i-th of its wheels.
func WheelPath(i int, w Wheel) string { return path.Join(WheelDir, strconv.Itoa(i), w.File) }

// NeedsTags reports whether the plan lays its packages out a layer each and some of them
// could be fetched as wheels, but no wheel has been chosen yet: the frontend then asks the
// base image's interpreter which wheel tags it supports and plans again with the wheels
// chosen for them (depsrc.WithTags).
func (p *Plan) NeedsTags() bool {
	if p.layout() != perPackage || p.Deps.WheelsChosen {
		return false
	}
	for _, pin := range p.Deps.Pins {
		if len(pin.Wheels) > 0 {
			return true
		}
	}
	return false
}

// wheelStep installs the chosen wheels of a layer's pins without pip: the builder fetches
// each by its sha256 (so a layer whose wheels are cached fetches nothing), and one process
// of the venv's interpreter checks and unpacks them. pip's fixed cost (starting, reading the
// index, resolving) is two to three CPU seconds a step, and a cold build of a layer per
// package runs dozens of steps at once: unpacking is what is left of it. Nil when a pin of
// the layer has no chosen wheel: pip installs that layer.
func (p *Plan) wheelStep(g layerGroup) *PipStep {
	ps := &PipStep{Venv: p.spec.Python.Venv, Alone: true}
	for i, pin := range g.pins {
		if pin.Wheel == nil {
			return nil
		}
		w := *pin.Wheel
		ps.Wheels = append(ps.Wheels, w)
		ps.Command = append(ps.Command, []string{WheelPath(i, w), w.SHA256})
	}
	ps.Compile = p.compileArgs()
	return ps
}

// wheelsWhat describes a wheel step.
func wheelsWhat(source, label string, ws []Wheel) string {
	var names []string
	for _, w := range ws {
		names = append(names, w.File)
	}
	if len(names) > 4 {
		names = append(names[:4], fmt.Sprintf("and %d more", len(names)-4))
	}
	return fmt.Sprintf("install from %s, layer %s: %s", path.Base(source), label, strings.Join(names, ", "))
}

// unpackWheels installs the wheels named on its command line, each followed by its sha256,
// into the environment of the interpreter that runs it (the venv's), as pip installs a
// wheel (the binary distribution format, packaging.python.org/specifications): it checks
// the sha256, refuses paths that leave the target directories, puts the .data directories
// where the scheme says, points scripts whose first line is #!python at the interpreter,
// writes the console and GUI entry points as scripts, and writes INSTALLER and a RECORD
// that lists every file with its hash, so pip can uninstall it. Its output is a function of
// the wheels alone (file modes fixed, no times: the step's script fixes them after).
const unpackWheels = `import base64, configparser, csv, email.parser, hashlib, io, os, re, sys, sysconfig, zipfile
def fail(msg):
    sys.exit('mlbuild: ' + msg)
def b64(h):
    return 'sha256=' + base64.urlsafe_b64encode(h.digest()).rstrip(b'=').decode()
paths = sysconfig.get_paths()
python = os.path.join(paths['scripts'], 'python')
args = sys.argv[1:]
for whl, want in zip(args[0::2], args[1::2]):
    h = hashlib.sha256()
    with open(whl, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            h.update(block)
    if h.hexdigest() != want:
        fail('%s: sha256 %s, the lock records %s' % (os.path.basename(whl), h.hexdigest(), want))
    z = zipfile.ZipFile(whl)
    dist, version = os.path.basename(whl)[:-4].split('-')[:2]
    canon = lambda s: re.sub(r'[-_.]+', '_', s).lower()
    infos = sorted({n.split('/')[0] for n in z.namelist() if n.split('/')[0].endswith('.dist-info') and n.endswith('/WHEEL') and n.count('/') == 1})
    infos = [i for i in infos if canon(i[:-len('.dist-info')]) == canon(dist + '-' + version)] or infos
    if len(infos) != 1:
        fail('%s: %d .dist-info directories with a WHEEL file, want one' % (os.path.basename(whl), len(infos)))
    info = infos[0]
    meta = email.parser.Parser().parsestr(z.read(info + '/WHEEL').decode('utf-8'))
    if (meta.get('Wheel-Version') or '').strip().split('.')[0] != '1':
        fail('%s: Wheel-Version %s, not 1.x' % (os.path.basename(whl), meta.get('Wheel-Version')))
    root = paths['purelib'] if (meta.get('Root-Is-Purelib') or '').strip().lower() == 'true' else paths['platlib']
    data = info[:-len('.dist-info')] + '.data'
    schemes = {'purelib': paths['purelib'], 'platlib': paths['platlib'], 'scripts': paths['scripts'], 'data': paths['data'],
               'headers': os.path.join(sys.prefix, 'include', 'site', 'python%d.%d' % sys.version_info[:2], dist.replace('_', '-'))}
    record = {}
    def write(dest, content, executable):
        d = os.path.dirname(dest)
        os.makedirs(d, exist_ok=True)
        if os.path.lexists(dest) and not os.path.isfile(dest):
            fail('%s: %s exists and is not a file' % (os.path.basename(whl), dest))
        h, size = hashlib.sha256(), 0
        with open(dest, 'wb') as out:
            for block in content:
                h.update(block)
                size += len(block)
                out.write(block)
        os.chmod(dest, 0o755 if executable else 0o644)
        record[os.path.relpath(dest, root)] = (b64(h), str(size))
    def chunks(f):
        return iter(lambda: f.read(1 << 20), b'')
    for zi in z.infolist():
        n = zi.filename
        if n.endswith('/'):
            continue
        parts = n.split('/')
        if n.startswith('/') or '\\' in n or '..' in parts or '' in parts or ':' in parts[0]:
            fail('%s: unsafe path %r' % (os.path.basename(whl), n))
        if n == info + '/RECORD' or n == info + '/INSTALLER':
            continue
        executable = bool((zi.external_attr >> 16) & 0o111)
        if parts[0] == data:
            if len(parts) < 3 or parts[1] not in schemes:
                fail('%s: %r is in no known .data directory' % (os.path.basename(whl), n))
            dest = os.path.join(schemes[parts[1]], *parts[2:])
            if parts[1] == 'scripts':
                with z.open(zi) as f:
                    body = f.read()
                if body.startswith(b'#!python'):
                    first, nl, rest = body.partition(b'\n')
                    body = b'#!' + python.encode() + first[len(b'#!pythonw') if first.startswith(b'#!pythonw') else len(b'#!python'):] + nl + rest
                write(dest, [body], True)
                continue
        else:
            dest = os.path.join(root, *parts)
        with z.open(zi) as f:
            write(dest, chunks(f), executable)
    if info + '/entry_points.txt' in z.namelist():
        cp = configparser.ConfigParser(delimiters=('=',), interpolation=None)
        cp.optionxform = str
        cp.read_string(z.read(info + '/entry_points.txt').decode('utf-8'))
        for section in ('console_scripts', 'gui_scripts'):
            if not cp.has_section(section):
                continue
            for name, value in cp.items(section):
                m = re.match(r'^\s*([\w.]+)\s*:\s*([\w.]+)\s*(\[.*\])?\s*$', value)
                if not m or '/' in name or '\\' in name or name in ('', '.', '..'):
                    fail('%s: entry point %s = %s cannot be written as a script' % (os.path.basename(whl), name, value))
                module, attr = m.group(1), m.group(2)
                body = ('#!%s\n# -*- coding: utf-8 -*-\nimport re\nimport sys\nfrom %s import %s\n'
                        'if __name__ == "__main__":\n    sys.argv[0] = re.sub(r"(-script\\.pyw|\\.exe)?$", "", sys.argv[0])\n'
                        '    sys.exit(%s())\n') % (python, module, attr.split('.')[0], attr)
                write(os.path.join(paths['scripts'], name), [body.encode()], True)
    write(os.path.join(root, info, 'INSTALLER'), [b'mlbuild\n'], False)
    rec = os.path.join(root, info, 'RECORD')
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator='\n')
    for name, (digest, size) in record.items():
        w.writerow((name, digest, size))
    w.writerow((os.path.relpath(rec, root), '', ''))
    with open(rec, 'w', encoding='utf-8') as out:
        out.write(buf.getvalue())
    os.chmod(rec, 0o644)
`
