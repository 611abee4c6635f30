#compdef dnn
# zsh completion for dnn(1): commands, their options, option values, and
# files by what each operand is: a spec (.json), data (.csv, .gz), a model
# (.dnn). As for bash (dnn.bash), the commands and each command's options,
# with what each option's argument is, come from the program itself
# (dnn --complete [COMMAND]), which reads them from the tables that parse them.
# Installed as _dnn where compinit finds it.

# _dnn_files KIND: files of KIND (spec, model, data, or any file).
_dnn_files()
{
	case $1 in
	spec) _files -g '*.json(-.)' ;;
	model) _files -g '*.dnn(-.)' ;;
	data) _files -g '*.(csv|gz|tsv|txt)(-.)' ;;
	*) _files ;;
	esac
}

_dnn()
{
	local dnn=${words[1]} cmd=${words[2]} name k rest w i expect= n_args=0 want=any
	local -A kind choices
	if (( CURRENT == 2 )); then
		compadd -- ${(f)"$($dnn --complete 2>/dev/null)"} --help --version
		return
	fi
	[[ $cmd == -* ]] && return 1
	if [[ $cmd == help ]]; then
		(( CURRENT == 3 )) && compadd -- ${(f)"$($dnn --complete 2>/dev/null)"}
		return
	fi
	# The command's options: NAME KIND [WORDS...].
	while read -r name k rest; do
		kind[$name]=$k
		choices[$name]=$rest
	done < <($dnn --complete $cmd 2>/dev/null)
	# The operands before the cursor and whether an option's argument is due.
	for (( i = 3; i < CURRENT; i++ )); do
		w=${words[i]}
		if [[ -n $expect ]]; then
			expect=
		elif [[ $w == -- ]]; then
			(( n_args += CURRENT - i - 1 ))
			break
		elif [[ $w != -?* ]]; then
			(( n_args++ ))
		elif [[ -n ${kind[$w]} ]]; then
			[[ ${kind[$w]} != flag ]] && expect=$w
			case $cmd$w in
			train--resume | gradcheck--model | hessian--spec) (( n_args++ )) ;;
			esac
		fi
	done
	if [[ -n $expect ]]; then
		case ${kind[$expect]} in
		words) compadd -- ${=choices[$expect]} ;;
		file | model | data | spec) _dnn_files ${kind[$expect]} ;;
		esac
		return
	fi
	if [[ $PREFIX == -* ]]; then
		compadd -- ${(k)kind}
		return
	fi
	case $cmd in
	train | gradcheck | lr-find | cv | tune) want=spec ;;
	predict | eval | importance | hessian | landscape | info | export) want=model ;;
	esac
	(( n_args > 0 )) && [[ $want != any ]] && want=data
	[[ $cmd == split ]] && (( n_args == 0 )) && want=data
	_dnn_files $want
}

_dnn "$@"
