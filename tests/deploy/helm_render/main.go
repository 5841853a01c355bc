// helm_render renders a Helm chart the way Helm's template engine does, for the chart tests on
// machines without Helm or a cluster: Go's text/template with the Sprig functions (minus env and
// expandenv, as in Helm) and Helm's own include, tpl, required, toYaml, fromYaml, toJson,
// fromJson and lookup (which, as in `helm template`, finds nothing). Missing map keys are errors,
// as with `helm lint --strict`.
//
//	helm_render -chart DIR [-f values.yaml ...] [-namespace NS] [-release NAME] [-notes FILE]
//
// It prints the manifests like `helm template` ("---" and "# Source: CHART/templates/FILE"
// before each file's output) and exits 1 with the engine's message (file:line:col) when a
// template fails, including a `fail` of the chart's own validation.
//
// Build (GOPATH mode, Debian's packaged Go libraries):
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o helm_render main.go
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig"
	yaml "gopkg.in/yaml.v2"
)

type valueFiles []string

func (v *valueFiles) String() string     { return strings.Join(*v, ",") }
func (v *valueFiles) Set(s string) error { *v = append(*v, s); return nil }

// readYAML reads a YAML file into JSON-compatible values (maps with string keys, float64
// numbers), which is what Helm's values become after sigs.k8s.io/yaml.
func readYAML(path string) (map[string]interface{}, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var raw interface{}
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	j, err := json.Marshal(toJSONCompatible(raw))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	out := map[string]interface{}{}
	if string(j) != "null" {
		if err := json.Unmarshal(j, &out); err != nil {
			return nil, fmt.Errorf("%s: not a map: %w", path, err)
		}
	}
	return out, nil
}

func toJSONCompatible(v interface{}) interface{} {
	switch t := v.(type) {
	case map[interface{}]interface{}:
		m := map[string]interface{}{}
		for k, val := range t {
			m[fmt.Sprint(k)] = toJSONCompatible(val)
		}
		return m
	case []interface{}:
		for i := range t {
			t[i] = toJSONCompatible(t[i])
		}
		return t
	}
	return v
}

// merge overlays src on dst as Helm merges values files: maps merge, everything else replaces.
func merge(dst, src map[string]interface{}) {
	for k, v := range src {
		if sm, ok := v.(map[string]interface{}); ok {
			if dm, ok := dst[k].(map[string]interface{}); ok {
				merge(dm, sm)
				continue
			}
		}
		dst[k] = v
	}
}

func toYAML(v interface{}) string {
	data, err := yaml.Marshal(v)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(string(data), "\n")
}

func funcMap(root *template.Template) template.FuncMap {
	f := sprig.TxtFuncMap()
	delete(f, "env")
	delete(f, "expandenv")
	depth := 0
	f["include"] = func(name string, data interface{}) (string, error) {
		if depth > 100 {
			return "", errors.New("include: recursion deeper than 100")
		}
		depth++
		defer func() { depth-- }()
		var b strings.Builder
		err := root.ExecuteTemplate(&b, name, data)
		return b.String(), err
	}
	f["tpl"] = func(text string, data interface{}) (string, error) {
		t, err := root.Clone()
		if err != nil {
			return "", err
		}
		t, err = t.New("tpl").Parse(text)
		if err != nil {
			return "", err
		}
		var b strings.Builder
		err = t.Execute(&b, data)
		return b.String(), err
	}
	f["required"] = func(msg string, v interface{}) (interface{}, error) {
		if v == nil || v == "" {
			return v, errors.New(msg)
		}
		return v, nil
	}
	f["toYaml"] = toYAML
	f["fromYaml"] = func(s string) map[string]interface{} {
		var raw interface{}
		out := map[string]interface{}{}
		if err := yaml.Unmarshal([]byte(s), &raw); err != nil {
			out["Error"] = err.Error()
			return out
		}
		if m, ok := toJSONCompatible(raw).(map[string]interface{}); ok {
			return m
		}
		return out
	}
	f["toJson"] = func(v interface{}) string {
		data, _ := json.Marshal(v)
		return string(data)
	}
	f["fromJson"] = func(s string) map[string]interface{} {
		out := map[string]interface{}{}
		if err := json.Unmarshal([]byte(s), &out); err != nil {
			out["Error"] = err.Error()
		}
		return out
	}
	f["lookup"] = func(apiVersion, kind, namespace, name string) (map[string]interface{}, error) {
		return map[string]interface{}{}, nil
	}
	return f
}

func run() error {
	chartDir := flag.String("chart", "", "the chart directory")
	namespace := flag.String("namespace", "vsecm-system", "the release namespace")
	release := flag.String("release", "vsecm", "the release name")
	notesOut := flag.String("notes", "", "write the rendered NOTES.txt to this file")
	var files valueFiles
	flag.Var(&files, "f", "a values file merged over values.yaml (repeatable)")
	flag.Parse()
	if *chartDir == "" {
		return errors.New("-chart is required")
	}
	meta, err := readYAML(filepath.Join(*chartDir, "Chart.yaml"))
	if err != nil {
		return err
	}
	values, err := readYAML(filepath.Join(*chartDir, "values.yaml"))
	if err != nil {
		return err
	}
	for _, f := range files {
		extra, err := readYAML(f)
		if err != nil {
			return err
		}
		merge(values, extra)
	}
	name := fmt.Sprint(meta["name"])
	root := template.New("gotpl").Option("missingkey=error")
	root.Funcs(funcMap(root))
	var names []string
	base := filepath.Join(*chartDir, "templates")
	err = filepath.Walk(base, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(*chartDir, path)
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		tname := filepath.ToSlash(filepath.Join(name, rel))
		if _, err := root.New(tname).Parse(string(src)); err != nil {
			return err
		}
		names = append(names, tname)
		return nil
	})
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, tname := range names {
		baseName := filepath.Base(tname)
		if strings.HasPrefix(baseName, "_") {
			continue
		}
		data := map[string]interface{}{
			"Values": values,
			"Release": map[string]interface{}{"Name": *release, "Namespace": *namespace,
				"Service": "Helm", "IsInstall": true, "IsUpgrade": false, "Revision": 1},
			"Chart": map[string]interface{}{"Name": name, "Version": meta["version"],
				"AppVersion": meta["appVersion"]},
			"Capabilities": map[string]interface{}{
				"KubeVersion": map[string]interface{}{"Version": "v1.30.0", "Major": "1", "Minor": "30"}},
			"Template": map[string]interface{}{"Name": tname, "BasePath": name + "/templates"},
		}
		var b strings.Builder
		if err := root.ExecuteTemplate(&b, tname, data); err != nil {
			return err
		}
		out := b.String()
		if baseName == "NOTES.txt" {
			if *notesOut != "" {
				if err := os.WriteFile(*notesOut, []byte(out), 0o644); err != nil {
					return err
				}
			}
			continue
		}
		if strings.TrimSpace(out) == "" {
			continue
		}
		fmt.Printf("---\n# Source: %s\n%s\n", tname, strings.TrimSpace(out))
	}
	return nil
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "helm_render:", err)
		os.Exit(1)
	}
}
