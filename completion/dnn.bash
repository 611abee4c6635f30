# bash completion for dnn(1): commands, their options, option values, and
# files by what each operand is: a spec (.json), data (.csv, .gz), a model
# (.dnn). The commands and each command's options, with what each option's
# argument is, come from the program itself (dnn --complete [COMMAND]),
# which reads them from the tables that parse them, so they stay in step.

# _dnn_files KIND: files of KIND (spec, model, data, or any file) and
# directories that complete $cur.
_dnn_files()
{
	shopt -s extglob
	case $1 in
	spec) COMPREPLY=($(compgen -f -X '!*.json' -- "$cur") $(compgen -d -- "$cur")) ;;
	model) COMPREPLY=($(compgen -f -X '!*.dnn' -- "$cur") $(compgen -d -- "$cur")) ;;
	data) COMPREPLY=($(compgen -f -X '!*.@(csv|gz|tsv|txt)' -- "$cur") $(compgen -d -- "$cur")) ;;
	*) COMPREPLY=($(compgen -f -- "$cur")) ;;
	esac
	[[ ${#COMPREPLY[@]} -eq 1 && -d ${COMPREPLY[0]} ]] && compopt -o nospace 2>/dev/null
	return 0
}

_dnn()
{
	local cur prev words cword
	if declare -F _init_completion >/dev/null 2>&1; then
		_init_completion || return
	else
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=${COMP_WORDS[COMP_CWORD - 1]}
		words=("${COMP_WORDS[@]}")
		cword=$COMP_CWORD
	fi
	local dnn=${words[0]} cmd=${words[1]} i j w k name rest expect= first= n_args=0
	local -A kind=() choices=()

	if ((cword == 1)); then
		COMPREPLY=($(compgen -W "$("$dnn" --complete 2>/dev/null) --help --version" -- "$cur"))
		return
	fi
	[[ $cmd == -* ]] && return
	if [[ $cmd == help ]]; then
		((cword == 2)) && COMPREPLY=($(compgen -W "$("$dnn" --complete 2>/dev/null)" -- "$cur"))
		return
	fi

	# The command's options: NAME KIND [WORDS...], KIND flag (no argument),
	# value, file, model, data, spec or words.
	while read -r name k rest; do
		kind[$name]=$k
		choices[$name]=$rest
	done < <("$dnn" --complete "$cmd" 2>/dev/null)

	# How many operands come before the cursor: words that are not options
	# nor their arguments (--opt VALUE, --opt=VALUE, -xVALUE, -qx VALUE).
	for ((i = 2; i < cword; i++)); do
		w=${words[i]}
		# bash splits --opt=VALUE into --opt, = and VALUE.
		[[ $w == = && ${words[i - 1]} == --* ]] && continue
		if [[ -n $expect ]]; then
			expect=
			continue
		fi
		if [[ $w == -- ]]; then
			for ((i++; i < cword; i++)); do ((n_args++)); done
			break
		fi
		if [[ $w != -?* ]]; then
			((n_args++))
			continue
		fi
		if [[ $w == --* ]]; then
			[[ $w == *=* ]] && continue
			# A long option may be abbreviated while that is unambiguous.
			name=
			if [[ -n ${kind[$w]-} ]]; then
				name=$w
			else
				for k in "${!kind[@]}"; do
					[[ $k == "$w"* ]] || continue
					[[ -n $name ]] && name=? && break
					name=$k
				done
			fi
			[[ -n $name && -n ${kind[$name]-} ]] || continue
			[[ ${kind[$name]-} != flag ]] && expect=$name
			# Options that stand for the first operand.
			case $cmd$name in
			train--resume | gradcheck--model | hessian--spec) first=given ;;
			esac
			continue
		fi
		# -abc: flags, up to one that takes an argument: the rest of the
		# word, or the next word.
		for ((j = 1; j < ${#w}; j++)); do
			k=${kind[-${w:j:1}]-}
			if [[ -n $k && $k != flag ]]; then
				((j == ${#w} - 1)) && expect=-${w:j:1}
				break
			fi
		done
	done

	# The argument of an option.
	if [[ -n $expect ]]; then
		case ${kind[$expect]-} in
		words)
			# Quoted for the shell where it needs it: ; and | are its own.
			local -a vals
			local plain='^[A-Za-z0-9,._+:@%/=-]*$'
			read -ra vals <<< "${choices[$expect]-}"
			for w in "${vals[@]}"; do
				[[ $w =~ $plain ]] && k=$w || printf -v k %q "$w"
				[[ $w == "$cur"* || $k == "$cur"* ]] && COMPREPLY+=("$k")
			done
			;;
		file | model | data | spec) _dnn_files "${kind[$expect]-}" ;;
		esac
		return 0
	fi

	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "${!kind[*]}" -- "$cur"))
		return
	fi

	[[ -n $first ]] && ((n_args++))
	local want=any
	case $cmd in
	train | gradcheck | lr-find | cv | tune) want=spec ;;
	predict | eval | importance | hessian | landscape | info | export) want=model ;;
	esac
	((n_args > 0)) && [[ $want != any ]] && want=data
	# dnn split DATA TRAIN TEST: data, then any file.
	[[ $cmd == split ]] && ((n_args == 0)) && want=data
	_dnn_files $want
} && complete -F _dnn dnn
